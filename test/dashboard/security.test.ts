import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROUTES } from "../../src/api/surface.gen.ts";
import { TestDaemon } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";
import { dashboardDaemon, runningPid, SLEEPER } from "./dashboard-daemon.ts";

// The dashboard's listener, through real requests: without the token nothing is answered, a
// Host header it does not serve reaches nothing, and an action needs the page's own origin and
// CSRF token. Every refusal changes nothing: the process keeps its pid.

const CONFIG = `[processes.api]\ncommand = ["${SLEEPER}"]\n`;

test("without the token every route is refused, the page's included", async () => {
  await using dd = await dashboardDaemon(CONFIG);
  const before = await runningPid(dd, "api");
  // The page, and every route of the control API as declared (not a list kept here).
  const asks = [
    ["GET", "/"],
    ["GET", "/app.js"],
    ["GET", "/app.css"],
    ...Object.values(ROUTES).map((r) => [r.method, r.path.replace(":name", "api")]),
  ] as [string, string][];
  const statuses = await Promise.all(
    asks.map(async ([method, path]) => [method, path, (await dd.ask(path, { method })).status]),
  );
  expect(statuses).toEqual(asks.map(([method, path]) => [method, path, 401]));
  // A wrong token is no token.
  const wrong = await dd.ask("/v1/processes", { headers: { authorization: "Bearer not-the-token-at-all" } });
  expect(wrong.status).toBe(401);
  expect(await dd.pid("api")).toBe(before);
});

test("a login address works once; the cookie it sets opens the page and the API", async () => {
  await using dd = await dashboardDaemon(CONFIG);
  const login = await dd.login();
  expect(login).toStartWith(`${dd.origin}/login?code=`);
  const first = await fetch(login, { redirect: "manual" });
  const setCookie = first.headers.get("set-cookie") ?? "";
  expect({ status: first.status, location: first.headers.get("location") }).toEqual({
    status: 303,
    location: "/",
  });
  expect(setCookie).toMatch(/^tend_session=[\w-]+; HttpOnly; SameSite=Strict; Path=\//);
  const again = await fetch(login, { redirect: "manual" });
  expect({ status: again.status, cookie: again.headers.get("set-cookie") }).toEqual({
    status: 401,
    cookie: null,
  });
  const cookie = setCookie.split(";")[0] as string;
  const page = await dd.ask("/", { headers: { cookie } });
  expect({ status: page.status, csp: page.headers.get("content-security-policy") }).toEqual({
    status: 200,
    csp: expect.stringContaining("default-src 'none'; script-src 'self'"),
  });
  expect((await dd.ask("/v1/processes", { headers: { cookie } })).status).toBe(200);
  // The dashboard never hands out login addresses itself: that takes the unix socket.
  for (const path of ["/v1/dashboard/login", "/v1/dashboard/login/", "/v1/DASHBOARD/login"]) {
    const minted = await dd.ask(path, { method: "POST", headers: { cookie, origin: dd.origin } });
    expect([path, minted.status]).toEqual([path, 404]);
  }
});

test("a Host header it does not serve is refused, even with a valid session", async () => {
  await using dd = await dashboardDaemon(CONFIG);
  const { cookie } = await dd.session();
  const rebound = await dd.ask("/v1/processes", { headers: { cookie }, host: `evil.example:${dd.port}` });
  const otherPort = await dd.ask("/v1/processes", { headers: { cookie }, host: "127.0.0.1:1" });
  const localhost = await dd.ask("/v1/processes", { headers: { cookie }, host: `localhost:${dd.port}` });
  expect([rebound.status, otherPort.status, localhost.status]).toEqual([421, 421, 200]);
});

test("an action needs the page's origin and CSRF token; refused ones change nothing", async () => {
  await using dd = await dashboardDaemon(CONFIG);
  const before = await runningPid(dd, "api");
  const { cookie, csrf } = await dd.session();
  expect(csrf.length).toBeGreaterThan(20);
  const restart = (headers: Record<string, string>) =>
    dd.ask("/v1/processes/api/restart", { method: "POST", headers: { cookie, ...headers } });
  const crossOrigin = await restart({ origin: "http://evil.example", "x-tend-csrf": csrf });
  const noOrigin = await restart({ "x-tend-csrf": csrf });
  const noCsrf = await restart({ origin: dd.origin });
  const wrongCsrf = await restart({ origin: dd.origin, "x-tend-csrf": "x".repeat(csrf.length) });
  expect([crossOrigin.status, noOrigin.status, noCsrf.status, wrongCsrf.status]).toEqual([
    403, 403, 403, 403,
  ]);
  expect(await dd.pid("api")).toBe(before);
  const ok = await restart({ origin: dd.origin, "x-tend-csrf": csrf });
  expect(ok.status).toBe(200);
  const restarted = await waitFor("api restarted", async () => {
    const pid = await dd.pid("api");
    return pid !== null && pid !== before ? pid : null;
  });
  // Reached by another of its hosts, the page's origin is that host's.
  const viaLocalhost = await dd.ask("/v1/processes/api/restart", {
    method: "POST",
    host: `localhost:${dd.port}`,
    headers: { cookie, origin: `http://localhost:${dd.port}`, "x-tend-csrf": csrf },
  });
  expect(viaLocalhost.status).toBe(200);
  await waitFor("api restarted again", async () => {
    const pid = await dd.pid("api");
    return pid !== null && pid !== restarted;
  });
});

test("with dashboard_token the header alone is enough; dashboard_read_only refuses every action", async () => {
  const token = "t0ken-for-the-dashboard-tests";
  await using dd = await dashboardDaemon(CONFIG, `dashboard_token = "${token}"\ndashboard_read_only = true`);
  const before = await runningPid(dd, "api");
  const auth = { authorization: `Bearer ${token}` };
  expect((await dd.ask("/v1/processes", { headers: auth })).status).toBe(200);
  const refused = await dd.ask("/v1/processes/api/stop", { method: "POST", headers: auth });
  expect({ status: refused.status, body: await refused.json() }).toEqual({
    status: 403,
    body: { error: { code: "FORBIDDEN", message: "the dashboard is read-only (dashboard_read_only)" } },
  });
  const page = await (await dd.ask("/", { headers: auth })).text();
  expect(page).toContain('name="tend-read-only" content="true"');
  expect(await dd.pid("api")).toBe(before);
});

test("a dashboard on another address is refused without a token and TLS; tend check names the keys", async () => {
  await using d = new TestDaemon(CONFIG, `dashboard_listen = "0.0.0.0:9465"`);
  const r = await d.cli("check", "-c", d.configPath, "--schema-only");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    "supervisor.dashboard_token: dashboard_listen 0.0.0.0:9465 is not a loopback address",
  );
  expect(r.stderr).toContain(
    "supervisor.dashboard_tls_cert: dashboard_listen 0.0.0.0:9465 is not a loopback address",
  );
  const tokenFile = join(d.dir.path, "token");
  writeFileSync(tokenFile, "short\n");
  writeFileSync(
    d.configPath,
    `${CONFIG}\n[supervisor]\ndashboard_listen = "127.0.0.1:9465"\ndashboard_token_file = "${tokenFile}"\n`,
  );
  const short = await d.cli("check", "-c", d.configPath, "--schema-only");
  expect([short.code, short.stderr]).toEqual([
    1,
    expect.stringContaining("a dashboard token needs at least 16 characters"),
  ]);
});

test("with TLS the dashboard answers over https only, and its cookie is Secure", async () => {
  const dir = tempDir("tend-tls-");
  using _ = dir;
  const cert = join(dir.path, "cert.pem");
  const key = join(dir.path, "key.pem");
  const made = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-subj",
      "/CN=127.0.0.1",
      "-days",
      "1",
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  expect(made.exitCode).toBe(0);
  await using dd = await dashboardDaemon(
    CONFIG,
    `dashboard_tls_cert = "${cert}"\ndashboard_tls_key = "${key}"`,
  );
  const https = dd.origin.replace("http:", "https:");
  const login = await dd.login();
  expect(login).toStartWith(`${https}/login?code=`);
  const res = await fetch(login, { redirect: "manual", tls: { rejectUnauthorized: false } } as RequestInit);
  expect({ status: res.status, cookie: res.headers.get("set-cookie") }).toEqual({
    status: 303,
    cookie: expect.stringMatching(/; Secure$/),
  });
  const plain = await fetch(`${dd.origin}/`).then(
    (r) => r.status,
    () => "refused",
  );
  expect(plain).not.toBe(200);
});
