import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./clock.ts";
import { cpuMs, isAlive, killPids, pidsWithEnv } from "./proc.ts";

export interface ProcessRow {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// A `tend up` of the binary under test in its own temp dir, socket, state and log dir. Everything
// it starts inherits TEND_BENCH_ID, so stop() can find and kill exactly that and nothing else.
export class BenchDaemon {
  // Daemons not yet stopped, for the SIGINT handler.
  static readonly live = new Set<BenchDaemon>();

  readonly dir: string;
  readonly socket: string;
  readonly id = `b${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  proc: ReturnType<typeof Bun.spawn> | null = null;

  constructor(
    readonly bin: string,
    tmpRoot: string,
  ) {
    this.dir = mkdtempSync(join(tmpRoot, "tend-bench-"));
    this.socket = join(this.dir, "run/tend.sock");
  }

  // Writes tend.toml: socket, state and logs in the temp dir, more [supervisor] lines, then the
  // given processes.
  configure(processesToml: string, supervisorExtra = ""): this {
    writeFileSync(
      join(this.dir, "tend.toml"),
      `[supervisor]\nsocket = "${this.socket}"\nstate_dir = "${this.dir}/state"\nlog_dir = "${this.dir}/logs"\n${supervisorExtra}\n\n${processesToml}`,
    );
    return this;
  }

  get env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      TEND_SOCKET: this.socket,
      TEND_BENCH_ID: this.id,
      NO_COLOR: "1",
    };
  }

  get pid(): number {
    if (!this.proc) throw new Error("supervisor not started");
    return this.proc.pid;
  }

  async start(): Promise<this> {
    const out = openSync(join(this.dir, "up.log"), "a");
    BenchDaemon.live.add(this);
    const proc = Bun.spawn([this.bin, "up", "-c", join(this.dir, "tend.toml")], {
      env: this.env,
      stdio: ["ignore", out, out],
    });
    this.proc = proc;
    await waitFor(
      `tend up to answer on ${this.socket}`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`tend up exited ${proc.exitCode}: ${this.upLog()}`);
        return (await this.api("/v1/health").catch(() => null))?.ok;
      },
      15_000,
    );
    return this;
  }

  upLog(): string {
    try {
      return readFileSync(join(this.dir, "up.log"), "utf8").trim().slice(-2000);
    } catch {
      return "";
    }
  }

  // Each request on a connection of its own, closed after the response, as the CLI's are: a
  // connection kept open would have the server check it once a second until its idle timeout
  // (10 s), and those checks would count in the idle measurements.
  api(path: string): Promise<Response> {
    return fetch(`http://localhost${path}`, { unix: this.socket, keepalive: false });
  }

  async processes(): Promise<ProcessRow[]> {
    return (await (await this.api("/v1/processes")).json()) as ProcessRow[];
  }

  // Resolves once `count` processes report running (through the API, not the CLI being measured).
  async waitRunning(count: number, timeoutMs = 60_000): Promise<ProcessRow[]> {
    return waitFor(
      `${count} processes running`,
      async () => {
        const list = await this.processes();
        const running = list.filter((p) => p.state === "running" && p.pid !== null);
        if (running.length >= count) return running;
        throw new Error(`${running.length}/${count} running`);
      },
      timeoutMs,
      20,
    );
  }

  async cli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
    const p = Bun.spawn([this.bin, ...args], { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    try {
      const [stdout, stderr, code] = await Promise.all([
        new Response(p.stdout).text(),
        new Response(p.stderr).text(),
        p.exited,
      ]);
      return { code, stdout, stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  // `tend down`, then SIGKILL whatever is left of ours. Returns problems seen, never throws.
  // The supervisor's CPU over a window, in % of one core (from the schedstat of its threads).
  async cpuPercentOver(windowMs: number): Promise<number> {
    const cpu0 = cpuMs(this.pid);
    const t0 = performance.now();
    await Bun.sleep(windowMs);
    const cpu1 = cpuMs(this.pid);
    const elapsedMs = performance.now() - t0;
    if (cpu0 === null || cpu1 === null) throw new Error(`supervisor gone while measuring: ${this.upLog()}`);
    return ((cpu1 - cpu0) / elapsedMs) * 100;
  }

  async stop(): Promise<string[]> {
    const problems: string[] = [];
    const proc = this.proc;
    try {
      if (proc && proc.exitCode === null) {
        const down = await this.cli(["down"]).catch((err: unknown) => ({
          code: -1,
          stdout: "",
          stderr: String(err),
        }));
        if (down.code !== 0) problems.push(`tend down exited ${down.code}: ${down.stderr.trim()}`);
        const code = await Promise.race([proc.exited, Bun.sleep(30_000).then(() => null)]);
        if (code === null) problems.push("supervisor still running 30 s after tend down; killed");
        else if (code !== 0) problems.push(`supervisor exited ${code} after tend down`);
      }
    } finally {
      if (proc && isAlive(proc.pid)) proc.kill("SIGKILL");
      const left = pidsWithEnv(`TEND_BENCH_ID=${this.id}`);
      if (left.length) problems.push(`${left.length} process(es) left after down, killed: ${left.join(" ")}`);
      killPids(left);
      BenchDaemon.live.delete(this);
      rmSync(this.dir, { recursive: true, force: true });
    }
    return problems;
  }
}

// One [processes.NAME] table; `command` is an argv list, `extra` more TOML lines.
export function processToml(name: string, command: string[], extra: string[] = []): string {
  return [`[processes.${name}]`, `command = ${JSON.stringify(command)}`, ...extra, ""].join("\n");
}

// N idle processes (`sleep 100000`) named idle-0 … idle-N-1.
export function idleProcessesToml(count: number): string {
  return Array.from({ length: count }, (_, i) => processToml(`idle-${i}`, ["sleep", "100000"])).join("\n");
}
