import { describe, expect, test } from "bun:test";
import { systemClock } from "../../src/clock.ts";
import { LogHub } from "../../src/logs/log-hub.ts";
import { createLauncher } from "../../src/supervisor/launcher.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { VERSION } from "../../src/version.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

describe("the supervisor itself", () => {
  test("GET /v1/health describes the supervisor", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    const res = await h.request("GET", "/v1/health");
    const s = h.config.supervisor;
    expect(res).toEqual({
      status: 200,
      body: {
        pid: process.pid,
        version: VERSION,
        startedAt: expect.any(Number),
        uptimeMs: expect.any(Number),
        configPath: h.config.file,
        socketPath: s.socketPath,
        stateDir: s.stateDir,
        logDir: s.logDir,
        processes: 1,
        store: { pendingWrites: 0, droppedEvents: 0, error: null, failingSince: null },
        tracking: expect.any(String),
        environment: null,
      },
    });
  });

  test("every documented route is routed", async () => {
    await using h = await InProcess.start({});
    const doc = (await h.request("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const unrouted: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const res = await h.request(method.toUpperCase(), path.replace("{name}", "nope"));
        if ((res.body as { error?: { code: string } } | null)?.error?.code === "NOT_FOUND")
          unrouted.push(`${method} ${path}`);
      }
    }
    expect(unrouted).toEqual([]);
  });

  test("POST /v1/reload with dry_run reports the plan and changes nothing", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    const pid = h.supervisor.list()[0]?.pid;
    const res = await h.request("POST", "/v1/reload", { dryRun: true });
    expect({ res, pid: h.supervisor.list()[0]?.pid }).toEqual({
      res: {
        status: 200,
        body: { added: [], removed: [], changed: [], unchanged: ["sleeper"], applied: false },
      },
      pid,
    });
  });

  test("a run-time process is kept across supervisors on the same state dir", async () => {
    await using h = await InProcess.start({});
    await h.request("POST", "/v1/processes", { name: "kept", command: [SLEEPER], autostart: false });
    const logs = new LogHub({ dir: h.config.supervisor.logDir, ringLines: 10 });
    const next = new Supervisor(h.config, {
      clock: systemClock,
      store: h.store,
      launcher: createLauncher({ logs, socketPath: h.config.supervisor.socketPath }),
      logs,
    });
    expect(next.list().map((p) => [p.name, p.source, p.state])).toEqual([["kept", "runtime", "stopped"]]);
  });
});
