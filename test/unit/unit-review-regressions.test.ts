import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import { LogHub } from "../../src/logs/log-hub.ts";
import { RecordKeeper } from "../../src/store/record-keeper.ts";
import { Store } from "../../src/store/store.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";
import { FakeLauncher } from "../helpers/fake-launcher.ts";
import { crash, unitHarness } from "../helpers/fake-unit.ts";
import { InProcess } from "../helpers/in-process.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const SUPERVISOR = { socket: "run/tend.sock", state_dir: "state", log_dir: "logs" };

// Regression: a scan for a run's leftovers that threw (EMFILE, say) left the unit `running`
// with no pid and no timer. Not knowing what is left now means stopping the tree.
test("a leftovers scan that throws stops the tree and goes on to the backoff", async () => {
  using h = unitHarness({ restart: "always" });
  await h.unit.start();
  h.launcher.leftovers = () => {
    throw new Error("EMFILE: too many open files, scandir '/proc'");
  };
  await crash(h);
  expect({ state: h.unit.state, reason: h.unit.reason, stops: h.launcher.stopCalls.length }).toEqual({
    state: "backoff",
    reason: "crashed",
    stops: 1,
  });
});

// Regression: an event whose INSERT landed but whose prune failed was retried forever (UNIQUE
// constraint), holding every write queued behind it.
test("a store write whose housekeeping fails is stored once and blocks nothing", () => {
  using dir = tempDir();
  const store = new Store(dir.path, { runRetention: 100, eventRetention: 10_000 });
  const clock = new ManualClock();
  const keeper = new RecordKeeper(store, { clock });
  const s = store as unknown as { pruneEventsUpTo: (id: number) => void };
  s.pruneEventsUpTo = () => {
    throw new Error("SQLITE_FULL: database or disk is full");
  };
  try {
    for (let i = 0; i < 150; i++)
      keeper.addEvent({ at: i, process: "p", type: "x", state: null, reason: null, details: null });
    keeper.setIntent("p", "stopped", 1);
    expect({
      health: keeper.health().pendingWrites,
      events: store.counts().events,
      intents: [...store.intents()],
    }).toEqual({
      health: 0,
      events: 150,
      intents: [["p", "stopped"]],
    });
  } finally {
    store.close();
  }
});

// Regression: a reload that changed a waiting unit's depends_on left it waiting on the old ones.
test("a reload that drops a waiting unit's dependency lets it start", async () => {
  const launcher = new FakeLauncher();
  let nextFile = "";
  await using h = await InProcess.start(
    {
      db: { command: ["db"], backoff: { initial: "1h", jitter: 0 } },
      api: { command: ["api"], autostart: false, depends_on: { db: "started" } },
    },
    { launcher, loadConfig: () => loadConfig(nextFile, {}) },
  );
  nextFile = join(h.dir.path, "next.json");
  writeFileSync(
    nextFile,
    JSON.stringify({
      supervisor: SUPERVISOR,
      processes: {
        db: { command: ["db"], backoff: { initial: "1h", jitter: 0 } },
        api: { command: ["api"], autostart: false },
      },
    }),
  );
  launcher.children.find((c) => c.name === "db")?.exit({ code: 1, signal: null });
  await launcher.settle();
  await h.supervisor.start("api");
  const before = (h.supervisor.get("api") as ProcessDetail).state;
  await h.supervisor.reload(false);
  await waitFor("api running", () => (h.supervisor.get("api") as ProcessDetail).state === "running");
  expect({ before, db: (h.supervisor.get("db") as ProcessDetail).state }).toEqual({
    before: "waiting",
    db: "backoff",
  });
});

// Regression: a reload under way when a shutdown began created and started a process the
// shutdown never saw, which outlived tend down.
test("a reload under way when the shutdown begins starts nothing that outlives it", async () => {
  const launcher = new FakeLauncher();
  let nextFile = "";
  await using h = await InProcess.start(
    { old: { command: ["x"] } },
    { launcher, loadConfig: () => loadConfig(nextFile, {}) },
  );
  nextFile = join(h.dir.path, "next.json");
  writeFileSync(
    nextFile,
    JSON.stringify({ supervisor: SUPERVISOR, processes: { fresh: { command: ["y"] } } }),
  );
  const release = launcher.hold(); // the retirement of `old` waits here
  const reloading = h.supervisor.reload(false).then(
    () => "applied",
    (e: Error) => e.message,
  );
  await waitFor("the reload to stop old", () => launcher.stopCalls.length === 1);
  const down = h.supervisor.shutdown();
  release();
  const [outcome] = await Promise.all([reloading, down]);
  await launcher.settle();
  expect({ outcome, alive: launcher.alive.map((c) => c.name) }).toEqual({
    outcome: "cannot start fresh: the supervisor is shutting down",
    alive: [],
  });
});

// Regression: after a crash, a dependency the operator had stopped was started again for its
// dependent. It stays stopped; the dependent fails, saying why.
test("after a crash a stopped dependency stays stopped and its dependent says why it cannot start", async () => {
  using dir = tempDir();
  const file = join(dir.path, "tend.json");
  writeFileSync(
    file,
    JSON.stringify({
      supervisor: SUPERVISOR,
      processes: { db: { command: ["db"] }, api: { command: ["api"], depends_on: { db: "started" } } },
    }),
  );
  const config = loadConfig(file, {});
  const store = new Store(config.supervisor.stateDir, { runRetention: 10, eventRetention: 1000 });
  // What a supervisor killed with -9 left: api up, db stopped by the operator.
  store.setMeta("clean_shutdown", "0");
  store.setIntent("api", "up", 1);
  store.setIntent("db", "stopped", 1);
  const launcher = new FakeLauncher();
  const logs = new LogHub({ dir: config.supervisor.logDir, ringLines: 100 });
  const sup = new Supervisor(config, { clock: systemClock, store, launcher, logs });
  try {
    await sup.startAll();
    expect(sup.list().map((p) => `${p.name}:${p.state}(${p.reason})`)).toEqual([
      "db:stopped(restored)",
      "api:failed(dependency_failed)",
    ]);
  } finally {
    await sup.shutdown();
    logs.close();
    store.close();
  }
});
