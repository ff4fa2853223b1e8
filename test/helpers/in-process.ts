import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type App, createApp } from "../../src/api/app.ts";
import { systemClock } from "../../src/clock.ts";
import { type Config, loadConfig } from "../../src/config/load.ts";
import { LogHub } from "../../src/logs/log-hub.ts";
import { isSameProcess } from "../../src/proc/proc-fs.ts";
import { Store } from "../../src/store/store.ts";
import { createLauncher } from "../../src/supervisor/launcher.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import type { SupervisorDeps } from "../../src/supervisor/supervisor-deps.ts";
import { killAll } from "./pids.ts";
import { tempDir } from "./temp.ts";

export const FIXTURES = resolve(import.meta.dir, "../fixtures");

export interface ApiAnswer {
  status: number;
  body: unknown;
}

// A real Supervisor with a real Store and launcher in a private temp dir, and its API app, all
// in this process. `await using` shuts the supervisor down, closes the store and removes the dir.
export class InProcess {
  readonly store: Store;
  readonly supervisor: Supervisor;
  readonly app: App;

  private constructor(
    readonly dir: ReturnType<typeof tempDir>,
    readonly config: Config,
    extra: Partial<SupervisorDeps>,
  ) {
    const s = config.supervisor;
    this.store = new Store(s.stateDir, { runRetention: s.runRetention, eventRetention: s.eventRetention });
    const logs = new LogHub({ dir: s.logDir, ringLines: s.logBufferLines });
    const launcher = createLauncher({ logs, socketPath: s.socketPath });
    this.supervisor = new Supervisor(config, {
      clock: systemClock,
      store: this.store,
      launcher,
      logs,
      ...extra,
    });
    this.app = createApp(this.supervisor);
  }

  // `processes` is the [processes] table of a config, as data; it is written to tend.json.
  // `extra` replaces supervisor dependencies (a slow loadConfig, say).
  static async start(
    processes: Record<string, unknown>,
    extra: Partial<SupervisorDeps> = {},
  ): Promise<InProcess> {
    const dir = tempDir();
    const file = join(dir.path, "tend.json");
    writeFileSync(
      file,
      JSON.stringify({
        supervisor: { socket: "run/tend.sock", state_dir: "state", log_dir: "logs" },
        processes,
      }),
    );
    const h = new InProcess(dir, loadConfig(file, {}), extra);
    await h.supervisor.startAll();
    return h;
  }

  async request(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const res = await this.app.handle(new Request(`http://localhost${path}`, init));
    const text = await res.text();
    // JSON for every route but /metrics, which answers in the Prometheus text format.
    const json = text !== "" && !res.headers.get("content-type")?.startsWith("text/plain");
    return { status: res.status, body: json ? (JSON.parse(text) as unknown) : text || null };
  }

  logPath(name: string, stream: "out" | "err" = "out"): string {
    return join(this.config.supervisor.logDir, `${name}.${stream}.log`);
  }

  // Runs the store still holds open whose process is alive: what the supervisor failed to stop.
  liveOpenRuns(): { process: string; pid: number }[] {
    return this.store
      .openRuns()
      .filter((r) => r.pid > 0 && isSameProcess(r.pid, r.pidStartTicks))
      .map((r) => ({ process: r.process, pid: r.pid }));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.supervisor.shutdown();
    } finally {
      // Whatever a bug left running is killed by pid, so no child outlives the test.
      const leaked = this.liveOpenRuns().map((r) => r.pid);
      for (const pid of leaked) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {}
      }
      killAll(leaked);
      this.store.close();
      this.dir[Symbol.dispose]();
    }
  }
}
