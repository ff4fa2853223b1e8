import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { killAll, pidsWithEnv } from "./pids.ts";
import { tempDir } from "./temp.ts";
import { waitFor } from "./wait.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const FIXTURES = join(REPO, "test/fixtures");
export const BUN = process.execPath;
// The binary under test: the compiled one when TEND_BIN is set (CI smoke tests), else the sources.
export const TEND_CMD: string[] = process.env.TEND_BIN ? [process.env.TEND_BIN] : [BUN, join(REPO, "src/main.ts")];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// A real `tend up` in a temp dir with its own socket, state and logs. Every process it (or its
// children) starts carries TEND_TEST_ID, so dispose kills exactly those and nothing else.
export class TestDaemon {
  readonly dir: ReturnType<typeof tempDir>;
  readonly id = `t${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  readonly socket: string;
  readonly configPath: string;
  proc: ReturnType<typeof Bun.spawn> | null = null;
  stderr = "";

  constructor(processesToml: string, supervisorExtra = "") {
    this.dir = tempDir();
    this.socket = join(this.dir.path, "run/tend.sock");
    this.configPath = join(this.dir.path, "tend.toml");
    writeFileSync(
      this.configPath,
      `[supervisor]\nsocket = "${this.socket}"\nstate_dir = "${this.dir.path}/state"\nlog_dir = "${this.dir.path}/logs"\n${supervisorExtra}\n\n${processesToml}`,
    );
  }

  get env(): Record<string, string> {
    return { ...(process.env as Record<string, string>), TEND_SOCKET: this.socket, TEND_TEST_ID: this.id, NO_COLOR: "1" };
  }

  async start(): Promise<this> {
    const proc = Bun.spawn([...TEND_CMD, "up", "-c", this.configPath], {
      env: this.env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.proc = proc;
    void (async () => {
      for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) this.stderr += new TextDecoder().decode(chunk);
    })();
    await waitFor(`tend up to answer on ${this.socket} (stderr: ${this.stderr})`, async () => {
      if (proc.exitCode !== null) throw new Error(`tend up exited ${proc.exitCode}: ${this.stderr}`);
      const r = await this.api("GET", "/v1/health").catch(() => null);
      return r?.ok;
    });
    return this;
  }

  api(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`http://localhost${path}`, {
      method,
      unix: this.socket,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.api(method, path, body);
    return (await res.json()) as T;
  }

  async cli(...args: string[]): Promise<CliResult> {
    const p = Bun.spawn([...TEND_CMD, ...args], { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    const [stdout, stderr, code] = await Promise.all([
      new Response(p.stdout as ReadableStream).text(),
      new Response(p.stderr as ReadableStream).text(),
      p.exited,
    ]);
    return { code, stdout, stderr };
  }

  async process<T = Record<string, unknown>>(name: string): Promise<T> {
    return this.json<T>("GET", `/v1/processes/${name}`);
  }

  // Every live process this test started: the supervisor and all it spawned.
  pids(): number[] {
    return pidsWithEnv(`TEND_TEST_ID=${this.id}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (this.proc && this.proc.exitCode === null) {
        this.proc.kill("SIGTERM");
        await Promise.race([this.proc.exited, Bun.sleep(15_000)]);
      }
    } finally {
      if (this.proc && this.proc.exitCode === null) this.proc.kill("SIGKILL");
      killAll(this.pids());
      this.dir[Symbol.dispose]();
    }
  }
}
