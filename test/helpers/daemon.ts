import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import type { ProcessState, RunRecord } from "../../src/domain/types.ts";
import { sweepCgroups } from "./cgroups.ts";
import { untilCleanedUp } from "./leftovers.ts";
import { killAll, pidsWithEnv, processesWithEnv } from "./pids.ts";
import { tempDir } from "./temp.ts";
import { waitFor } from "./wait.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const FIXTURES = join(REPO, "test/fixtures");
export const BUN = process.execPath;
// The binary under test: the compiled one when TEND_BIN is set (CI smoke tests), else the sources.
export const TEND_CMD: string[] = process.env.TEND_BIN
  ? [process.env.TEND_BIN]
  : [BUN, join(REPO, "src/main.ts")];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Subprocess = ReturnType<typeof Bun.spawn>;

const CLI_DEADLINE_MS = 15_000;

const running = (p: Subprocess) => p.exitCode === null && p.signalCode === null;

// Waits for `p` to exit, at most timeoutMs; one still running then is killed. True if it was.
async function killedAfter(p: Subprocess, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    p.exited.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (late) p.kill("SIGKILL");
  return late;
}

// A real `tend up` in a temp dir with its own socket, state and logs. Every process it (or its
// children) starts carries TEND_TEST_ID, so dispose kills exactly those and nothing else.
export class TestDaemon {
  readonly dir: ReturnType<typeof tempDir>;
  readonly id = `t${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  readonly socket: string;
  readonly configPath: string;
  readonly logDir: string;
  proc: Subprocess | null = null;
  stderr = "";
  // Added to the environment of `tend up` only (e.g. NOTIFY_SOCKET), not of client verbs.
  upEnv: Record<string, string> = {};
  // Added to the command line of `tend up` (e.g. --env production).
  upArgs: string[] = [];
  // Every `tend up` this test spawned, so dispose can end the ones still running.
  private readonly ups: Subprocess[] = [];
  private readonly untrack: () => void;

  constructor(processesToml: string, supervisorExtra = "") {
    this.dir = tempDir();
    this.untrack = untilCleanedUp(() => this[Symbol.asyncDispose]());
    this.socket = join(this.dir.path, "run/tend.sock");
    this.configPath = join(this.dir.path, "tend.toml");
    this.logDir = join(this.dir.path, "logs");
    writeFileSync(
      this.configPath,
      `[supervisor]\nsocket = "${this.socket}"\nstate_dir = "${this.dir.path}/state"\nlog_dir = "${this.logDir}"\n${supervisorExtra}\n\n${processesToml}`,
    );
  }

  // More of the config after the [supervisor] table (processes that need the temp dir's path).
  appendConfig(text: string): this {
    appendFileSync(this.configPath, text);
    return this;
  }

  get env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      TEND_SOCKET: this.socket,
      TEND_TEST_ID: this.id,
      NO_COLOR: "1",
    };
  }

  // `configPath`: another file to run (a Procfile in the temp dir, for one).
  async start(configPath = this.configPath): Promise<this> {
    const proc = this.spawnUp(configPath);
    this.proc = proc;
    await waitFor(`tend up to answer on ${this.socket}`, async () => {
      if (!running(proc))
        throw new Error(`tend up exited ${proc.exitCode ?? proc.signalCode}: ${this.stderr}`);
      const r = await this.api("GET", "/v1/health").catch(() => null);
      return r?.ok;
    });
    return this;
  }

  // A new `tend up` on the same config and state dir, after the previous one has died.
  async startAgain(): Promise<this> {
    if (this.proc && running(this.proc)) throw new Error("startAgain: the previous tend up is still running");
    return this.start();
  }

  // Runs `tend up` expecting it to refuse and exit; one still running after timeoutMs is killed.
  async upExpectingExit(
    configPath = this.configPath,
    timeoutMs = 10_000,
  ): Promise<CliResult & { timedOut: boolean }> {
    const p = Bun.spawn([...TEND_CMD, "up", "-c", configPath, ...this.upArgs], {
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.ups.push(p);
    const timedOut = await killedAfter(p, timeoutMs);
    const [stdout, stderr, code] = await Promise.all([
      new Response(p.stdout as ReadableStream).text(),
      new Response(p.stderr as ReadableStream).text(),
      p.exited,
    ]);
    return { code, stdout, stderr, timedOut };
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

  // A client verb that has not exited after CLI_DEADLINE_MS is killed and fails the test with
  // what it and the supervisor printed, well before the test's own timeout would hide them.
  async cli(...args: string[]): Promise<CliResult> {
    return this.cliIn(undefined, ...args);
  }

  // A client verb run from `cwd` (what relative paths on its command line mean).
  async cliIn(cwd: string | undefined, ...args: string[]): Promise<CliResult> {
    return this.cliWith({ cwd }, ...args);
  }

  // A verb run with more in its environment (`tend up -d` with upEnv) or from `cwd`.
  async cliWith(opts: { cwd?: string; env?: Record<string, string> }, ...args: string[]): Promise<CliResult> {
    const p = Bun.spawn([...TEND_CMD, ...args], {
      cwd: opts.cwd,
      env: { ...this.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const late = await killedAfter(p, CLI_DEADLINE_MS);
    const [stdout, stderr, code] = await Promise.all([
      new Response(p.stdout as ReadableStream).text(),
      new Response(p.stderr as ReadableStream).text(),
      p.exited,
    ]);
    if (late) {
      throw new Error(
        `tend ${args.join(" ")} still running after ${CLI_DEADLINE_MS} ms; its stdout: ${JSON.stringify(stdout)}, ` +
          `stderr: ${JSON.stringify(stderr)}; supervisor stderr: ${JSON.stringify(this.stderr.slice(-2000))}`,
      );
    }
    return { code, stdout, stderr };
  }

  async process<T = ProcessDetail>(name: string): Promise<T> {
    return this.json<T>("GET", `/v1/processes/${name}`);
  }

  async history(name: string): Promise<RunRecord[]> {
    return this.json<RunRecord[]>("GET", `/v1/processes/${name}/history?runs=10000`);
  }

  // Waits until the process is in `state`; a timeout reports the state and reason last seen.
  async waitState(name: string, state: ProcessState, timeoutMs = 10_000): Promise<ProcessDetail> {
    return waitFor(
      `${name} to be ${state}`,
      async () => {
        const p = await this.process(name);
        if (p.state !== state) throw new Error(`${name} is ${p.state} (reason ${p.reason}, pid ${p.pid})`);
        return p;
      },
      { timeoutMs },
    );
  }

  // Every live process this test started: the supervisor and all it spawned.
  pids(): number[] {
    return pidsWithEnv(`TEND_TEST_ID=${this.id}`);
  }

  // Live processes of one supervised process (leader and descendants, however far they forked).
  processPids(name: string): number[] {
    return pidsWithEnv(`TEND_TEST_ID=${this.id}`, `TEND_PROCESS=${name}`);
  }

  // The live copies of one process: its live pids grouped by run (the TEND_RUN marker).
  liveRuns(name: string): Map<string, number[]> {
    const runs = new Map<string, number[]>();
    for (const { pid, env } of processesWithEnv(`TEND_TEST_ID=${this.id}`, `TEND_PROCESS=${name}`)) {
      const run = env.get("TEND_RUN") ?? "none";
      runs.set(run, [...(runs.get(run) ?? []), pid]);
    }
    return runs;
  }

  log(name: string, stream: "out" | "err" = "out"): string {
    try {
      return readFileSync(join(this.logDir, `${name}.${stream}.log`), "utf8");
    } catch {
      return "";
    }
  }

  private spawnUp(configPath: string): Subprocess {
    const proc = Bun.spawn([...TEND_CMD, "up", "-c", configPath, ...this.upArgs], {
      env: { ...this.env, ...this.upEnv },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.ups.push(proc);
    void (async () => {
      for await (const chunk of proc.stderr as ReadableStream<Uint8Array>)
        this.stderr += new TextDecoder().decode(chunk);
    })();
    return proc;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.untrack();
    try {
      const live = this.ups.filter(running);
      for (const p of live) p.kill("SIGTERM");
      await Promise.race([Promise.all(live.map((p) => p.exited)), Bun.sleep(15_000)]);
    } finally {
      for (const p of this.ups) if (running(p)) p.kill("SIGKILL");
      killAll(this.pids());
      await sweepCgroups(join(this.dir.path, "state"));
      this.dir[Symbol.dispose]();
    }
  }
}
