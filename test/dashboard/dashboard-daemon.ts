import type { ProcessSnapshot } from "../../src/client/index.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

// A real `tend up` with its dashboard on a free loopback port, and what tests ask of it.
export const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

export interface DashboardDaemon extends AsyncDisposable {
  d: TestDaemon;
  port: number;
  origin: string;
  login(): Promise<string>; // a one-time login address, as `tend dashboard` prints it
  // A logged-in session: the cookie and the page's CSRF token.
  session(): Promise<{ cookie: string; csrf: string }>;
  ask(path: string, init?: RequestInit & { host?: string }): Promise<Response>;
  pid(name: string): Promise<number | null>;
}

export async function dashboardDaemon(processesToml: string, supervisorExtra = ""): Promise<DashboardDaemon> {
  const port = freePort();
  const d = await new TestDaemon(
    processesToml,
    `dashboard_listen = "127.0.0.1:${port}"\n${supervisorExtra}`,
  ).start();
  const origin = `http://127.0.0.1:${port}`;
  const ask = (path: string, init: RequestInit & { host?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.host) headers.set("host", init.host);
    return fetch(`${origin}${path}`, { ...init, headers, redirect: "manual" });
  };
  const login = async () => {
    const r = await d.cli("dashboard");
    if (r.code !== 0) throw new Error(`tend dashboard exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    d,
    port,
    origin,
    login,
    ask,
    async session() {
      const res = await fetch(await login(), { redirect: "manual" });
      const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const page = await (await ask("/", { headers: { cookie } })).text();
      const csrf = /name="tend-csrf" content="([^"]*)"/.exec(page)?.[1] ?? "";
      return { cookie, csrf };
    },
    [Symbol.asyncDispose]: () => d[Symbol.asyncDispose](),
    async pid(name) {
      const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
      return list.find((p) => p.name === name)?.pid ?? null;
    },
  };
}

export async function runningPid(dd: DashboardDaemon, name: string): Promise<number> {
  return waitFor(`${name} running with a pid`, () => dd.pid(name));
}
