import { expect, test } from "bun:test";
import { join } from "node:path";
import { systemClock } from "../../src/clock.ts";
import { toProcessSpec } from "../../src/config/process-spec.ts";
import { processSchema } from "../../src/config/schema.ts";
import { LogHub } from "../../src/logs/log-hub.ts";
import { RecordKeeper } from "../../src/store/record-keeper.ts";
import { Store } from "../../src/store/store.ts";
import { EventBus } from "../../src/supervisor/event-bus.ts";
import { createLauncher } from "../../src/supervisor/launcher.ts";
import { Unit } from "../../src/supervisor/unit/unit.ts";
import { FIXTURES } from "../helpers/daemon.ts";
import { killAll } from "../helpers/pids.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
};

// The interpreter with the real launcher: real children, a real store, the system clock.
test("a crash-looping task and a stopped service, run by the interpreter on real processes", async () => {
  using dir = tempDir();
  const store = new Store(join(dir.path, "state"), { runRetention: 100, eventRetention: 10_000 });
  const logs = new LogHub({ dir: join(dir.path, "logs"), ringLines: 100 });
  const records = new RecordKeeper(store, { clock: systemClock });
  const deps = {
    clock: systemClock,
    records,
    bus: new EventBus(records),
    launcher: createLauncher({ logs, socketPath: join(dir.path, "tend.sock") }),
    lines: logs.lines,
  };
  const unit = (name: string, raw: Record<string, unknown>) =>
    new Unit(toProcessSpec(name, processSchema.parse(raw), raw, null), "config", deps);
  const task = unit("task", {
    command: [`${FIXTURES}/exit-with.sh`, "3"],
    restart: "on-failure",
    max_restarts: 2,
    backoff: { initial: 10, jitter: 0 },
  });
  const service = unit("service", { command: [`${FIXTURES}/ready-then-sleep.sh`], stop_timeout: "5s" });
  const pids: number[] = [];
  try {
    await task.start();
    await service.start();
    const servicePid = service.pid as number;
    pids.push(servicePid);
    await waitFor("the task to give up", () => task.state === "failed" || null, { timeoutMs: 10_000 });
    await service.stop();
    expect({
      task: [task.state, task.reason, task.restarts],
      taskRuns: store.runs("task").map((r) => [r.exitCode, r.reason, r.endedAt !== null]),
      service: [service.state, service.pid, alive(servicePid)],
      serviceRuns: store.runs("service").map((r) => [r.pid === servicePid, r.signal, r.reason]),
    }).toEqual({
      task: ["failed", "max_restarts", 2],
      taskRuns: [
        [3, "crashed", true],
        [3, "crashed", true],
        [3, "crashed", true],
      ],
      service: ["stopped", null, false],
      serviceRuns: [[true, "SIGTERM", "stopped"]],
    });
  } finally {
    killAll(pids.filter(alive));
    logs.close();
    store.close();
  }
});
