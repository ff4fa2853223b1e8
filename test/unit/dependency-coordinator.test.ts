import { describe, expect, test } from "bun:test";
import { toProcessSpec } from "../../src/config/process-spec.ts";
import { processSchema, type RawProcess } from "../../src/config/schema.ts";
import { RecordKeeper } from "../../src/store/record-keeper.ts";
import { Store } from "../../src/store/store.ts";
import { DependencyCoordinator } from "../../src/supervisor/dependency-coordinator.ts";
import { EventBus } from "../../src/supervisor/event-bus.ts";
import { Unit } from "../../src/supervisor/unit/unit.ts";
import { snapshotOf } from "../../src/supervisor/unit/view.ts";
import { FakeLauncher } from "../helpers/fake-launcher.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { flush, ScriptedCheck } from "../helpers/scripted-check.ts";
import { tempDir } from "../helpers/temp.ts";

// Several units wired the way the Supervisor wires them (gate, rechecks on changes), on a fake
// launcher and a manual clock. Every readiness check answers from `ready`.
function setup(processes: Record<string, Partial<RawProcess>>) {
  const dir = tempDir();
  const store = new Store(dir.path, { runRetention: 100, eventRetention: 10_000 });
  const clock = new ManualClock();
  const launcher = new FakeLauncher();
  const records = new RecordKeeper(store, { clock });
  const bus = new EventBus(records);
  const units = new Map<string, Unit>();
  const coordinator = new DependencyCoordinator(units, (m) => {
    throw new Error(`unexpected report: ${m}`);
  });
  const ready = new ScriptedCheck(false);
  for (const [name, p] of Object.entries(processes)) {
    const raw = { command: [name], backoff: { initial: 100, jitter: 0 }, ...p };
    const spec = toProcessSpec(name, processSchema.parse(raw), raw, null);
    const deps = {
      clock,
      records,
      bus,
      launcher,
      checks: () => ready,
      gate: coordinator.gate.bind(coordinator),
      changed: coordinator.changed,
      stopTurn: coordinator.stopTurn,
    };
    units.set(name, new Unit(spec, "config", deps));
  }
  const unit = (name: string) => units.get(name) as Unit;
  const child = (name: string) => {
    const c = launcher.children.filter((x) => x.name === name).at(-1);
    if (!c) throw new Error(`${name} was never spawned`);
    return c;
  };
  return {
    store,
    clock,
    launcher,
    coordinator,
    ready,
    unit,
    child,
    states: () => Object.fromEntries([...units].map(([n, u]) => [n, u.state])),
    // Every spawn and every stop of a run's tree, in order, as "start db" / "stop db".
    order: () =>
      store
        .events()
        .filter((e) => e.type === "run.started" || e.type === "run.exited")
        .map((e) => `${e.type === "run.started" ? "start" : "stop"} ${e.process}`),
    // What the supervisor's shutdown does: every unit at once, each run after its dependents'.
    shutdownAll() {
      coordinator.beginShutdown();
      return Promise.all([...units.values()].map((u) => u.shutdown()));
    },
    async settle() {
      for (let i = 0; i < 3; i++) {
        await flush();
        await launcher.settle();
      }
    },
    async startAll() {
      await Promise.all([...units.values()].map((u) => coordinator.start(u, "autostart").done));
      await this.settle();
    },
    async tick(ms: number) {
      await this.settle();
      for (let t = 0; t < ms; t += 10) {
        clock.advance(10);
        await this.settle();
      }
    },
    [Symbol.dispose]() {
      store.close();
      dir[Symbol.dispose]();
    },
  };
}

const READINESS = { type: "tcp", port: 1, interval: 100, timeout: 50, failure_threshold: 1 } as const;

describe("start in dependency order", () => {
  test("a dependent waits, showing what for, until its dependency is healthy", async () => {
    using h = setup({ api: { depends_on: { db: "healthy" } }, db: { readiness: READINESS } });
    await h.startAll();
    const waiting = { state: h.unit("api").state, waitingFor: snapshotOf(h.unit("api")).waitingFor };
    await h.tick(200); // db's readiness keeps failing: db unhealthy, api still waits
    const held = h.states();
    h.ready.always(true);
    await h.tick(100);
    expect({ waiting, held, now: h.states(), order: h.order() }).toEqual({
      waiting: { state: "waiting", waitingFor: ["db healthy"] },
      held: { api: "waiting", db: "running" },
      now: { api: "running", db: "running" },
      order: ["start db", "start api"],
    });
  });

  test("succeeded: a task that exits 0 lets its dependent start; exit 1 fails it with dependency_failed", async () => {
    using ok = setup({ api: { depends_on: { migrate: "succeeded" } }, migrate: { restart: "never" } });
    await ok.startAll();
    ok.child("migrate").exit({ code: 0, signal: null });
    await ok.settle();
    using bad = setup({ api: { depends_on: { migrate: "succeeded" } }, migrate: { restart: "never" } });
    await bad.startAll();
    bad.child("migrate").exit({ code: 1, signal: null });
    await bad.settle();
    const failed = bad.unit("api");
    expect({
      ok: ok.states(),
      bad: bad.states(),
      reason: failed.reason,
      error: failed.lastError,
      details: bad.store.events({ process: "api", type: "process.failed" })[0]?.details,
    }).toEqual({
      ok: { api: "running", migrate: "exited" },
      bad: { api: "failed", migrate: "exited" },
      reason: "dependency_failed",
      error: "dependency migrate cannot become succeeded: it is exited",
      details: {
        dependency: "migrate",
        condition: "succeeded",
        state: "exited",
        error: "dependency migrate cannot become succeeded: it is exited",
      },
    });
  });

  test("a dependency that gives up (max_restarts) fails its waiting dependents, the whole chain", async () => {
    using h = setup({
      worker: { depends_on: { api: "started" } },
      api: { depends_on: { db: "healthy" } },
      db: { readiness: READINESS, max_restarts: 1 },
    });
    await h.startAll();
    h.child("db").exit({ code: 1, signal: null });
    await h.tick(100); // backoff 100 ms, then the second run
    h.child("db").exit({ code: 1, signal: null });
    await h.settle();
    expect({ states: h.states(), api: h.unit("api").lastError, worker: h.unit("worker").lastError }).toEqual({
      states: { worker: "failed", api: "failed", db: "failed" },
      api: "dependency db cannot become healthy: it is failed",
      worker: "dependency api cannot become started: it is failed",
    });
  });

  test("starting one process starts what it depends on, and says which", async () => {
    using h = setup({
      api: { depends_on: { db: "started", cache: "started" }, autostart: false },
      db: { autostart: false },
      cache: { autostart: false, depends_on: { db: "started" } },
      unrelated: { autostart: false },
    });
    const { started, done } = h.coordinator.start(h.unit("api"), "requested");
    await done;
    await h.settle();
    expect({ started, states: h.states() }).toEqual({
      started: ["db", "cache"],
      states: { api: "running", db: "running", cache: "running", unrelated: "stopped" },
    });
  });

  test("a stop while waiting wins: the dependent does not start when the dependency is ready", async () => {
    using h = setup({ api: { depends_on: { db: "healthy" } }, db: { readiness: READINESS } });
    await h.startAll();
    await h.unit("api").stop();
    h.ready.always(true);
    await h.tick(100);
    expect(h.states()).toEqual({ api: "stopped", db: "running" });
  });
});

describe("stop in reverse dependency order", () => {
  test("the chain of four stops from the worker down; independent processes do not wait", async () => {
    using h = setup({
      worker: { depends_on: { api: "started" } },
      api: { depends_on: { migrate: "started" } },
      migrate: { depends_on: { db: "started" } },
      db: {},
      other: {},
    });
    await h.startAll();
    const stopped = h.shutdownAll();
    await h.settle();
    await stopped;
    const stops = h.order().filter((o) => o.startsWith("stop"));
    expect({ states: h.states(), stops }).toEqual({
      states: { worker: "stopped", api: "stopped", migrate: "stopped", db: "stopped", other: "stopped" },
      stops: ["stop worker", "stop other", "stop api", "stop migrate", "stop db"],
    });
  });
});
