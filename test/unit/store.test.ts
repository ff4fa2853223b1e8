import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import type { NewEvent } from "../../src/store/store.ts";
import { Store } from "../../src/store/store.ts";
import { tempDir } from "../helpers/temp.ts";

const OPTS = { runRetention: 100, eventRetention: 10_000 };

function event(i: number, process: string | null = "api"): NewEvent {
  return {
    at: 1000 + i,
    process,
    type: "process.running",
    state: "running",
    reason: "requested",
    details: { i },
  };
}

describe("schema", () => {
  test("a new database is migrated to the latest user_version (3), in WAL mode", () => {
    using dir = tempDir();
    const store = new Store(join(dir.path, "state"), OPTS);
    try {
      expect({ version: store.schemaVersion(), path: store.path }).toEqual({
        version: 3,
        path: join(dir.path, "state", "tend.db"),
      });
    } finally {
      store.close();
    }
    const db = new Database(join(dir.path, "state", "tend.db"));
    try {
      expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    } finally {
      db.close();
    }
  });

  test("reopening keeps runs, events and run-time processes, and the version", () => {
    using dir = tempDir();
    const first = new Store(dir.path, OPTS);
    const runId = first.beginRun("api", 1000);
    first.setRunPid(runId, 4242, 777);
    first.addEvent(event(1));
    first.saveRuntimeProcess("extra", { command: ["sleep", "1"] }, 5);
    first.close();

    const second = new Store(dir.path, OPTS);
    try {
      expect({
        version: second.schemaVersion(),
        runs: second.runs("api"),
        events: second.events().map((e) => e.details),
        runtime: second.runtimeProcesses(),
      }).toEqual({
        version: 3,
        runs: [
          {
            id: runId,
            process: "api",
            pid: 4242,
            pidStartTicks: 777,
            startedAt: 1000,
            endedAt: null,
            exitCode: null,
            signal: null,
            reason: null,
            cgroup: null,
          },
        ],
        events: [{ i: 1 }],
        runtime: [{ name: "extra", spec: { command: ["sleep", "1"] } }],
      });
    } finally {
      second.close();
    }
  });

  // Version 1 stored a run's end as `process.exited` with its pid, and the state change as a
  // second `process.exited` without one. Read now, the first is the run fact it was.
  test("events of a version 1 database read as today's: run ends become run.exited", () => {
    using dir = tempDir();
    const db = new Database(join(dir.path, "tend.db"), { create: true });
    db.exec(MIGRATIONS[0] as string);
    db.exec("PRAGMA user_version = 1");
    const add = db.prepare(
      "INSERT INTO events (at, process, type, state, reason, details) VALUES (?, ?, ?, ?, ?, ?)",
    );
    add.run(
      1,
      "job",
      "process.exited",
      "backoff",
      "crashed",
      JSON.stringify({ code: 1, signal: null, pid: 42 }),
    );
    add.run(2, "job", "process.exited", "exited", "crashed", JSON.stringify({ code: 1, signal: null }));
    add.run(3, "job", "process.running", "running", "requested", JSON.stringify({ pid: 43, runId: 2 }));
    db.close();
    const store = new Store(dir.path, OPTS);
    try {
      expect({
        version: store.schemaVersion(),
        types: store.events().map((e) => `${e.type}(${e.reason})`),
        intents: [...store.intents()],
      }).toEqual({
        version: 3,
        types: ["run.exited(crashed)", "process.exited(crashed)", "process.running(requested)"],
        intents: [],
      });
    } finally {
      store.close();
    }
  });

  test("explicit ids are kept, and lastIds never goes back after pruning", () => {
    using dir = tempDir();
    const store = new Store(dir.path, { runRetention: 1, eventRetention: 1 });
    try {
      store.beginRun("api", 1, 41);
      store.addEvent(event(1), 77);
      const kept = store.addEvent(event(2));
      store.pruneEvents();
      expect({ ids: store.lastIds(), kept: kept.id, events: store.events().map((e) => e.id) }).toEqual({
        ids: { run: 41, event: 78 },
        kept: 78,
        events: [78],
      });
    } finally {
      store.close();
    }
  });

  test("a database from a newer tend is refused, not downgraded", () => {
    using dir = tempDir();
    const db = new Database(join(dir.path, "tend.db"), { create: true });
    db.exec("PRAGMA user_version = 99");
    db.close();
    expect(() => new Store(dir.path, OPTS)).toThrow(/schema version 99/);
  });
});

describe("runs", () => {
  test("begin, setPid and end record one run; openRuns lists only unfinished ones", () => {
    using dir = tempDir();
    const store = new Store(dir.path, OPTS);
    try {
      const a = store.beginRun("api", 1000);
      store.setRunPid(a, 100, 11);
      const b = store.beginRun("worker", 1100);
      store.setRunPid(b, 200, 22);
      const c = store.beginRun("api", 1200);
      store.setRunPid(c, 300, 33);
      store.endRun(a, 1500, { code: 1, signal: null }, "crashed");
      store.endRun(b, 1600, { code: null, signal: "SIGTERM" }, "stopped");
      expect({
        open: store.openRuns().map((r) => [r.id, r.process, r.pid]),
        api: store.runs("api"),
        worker: store.runs("worker").map((r) => [r.exitCode, r.signal, r.reason, r.endedAt]),
      }).toEqual({
        open: [[c, "api", 300]],
        api: [
          {
            id: c,
            process: "api",
            pid: 300,
            pidStartTicks: 33,
            startedAt: 1200,
            endedAt: null,
            exitCode: null,
            signal: null,
            reason: null,
            cgroup: null,
          },
          {
            id: a,
            process: "api",
            pid: 100,
            pidStartTicks: 11,
            startedAt: 1000,
            endedAt: 1500,
            exitCode: 1,
            signal: null,
            reason: "crashed",
            cgroup: null,
          },
        ],
        worker: [[null, "SIGTERM", "stopped", 1600]],
      });
    } finally {
      store.close();
    }
  });

  test("a run that never got a pid reads as pid 0; ending it without exit info is allowed", () => {
    using dir = tempDir();
    const store = new Store(dir.path, OPTS);
    try {
      const id = store.beginRun("api", 1000);
      store.endRun(id, 1001, null, "spawn_failed");
      expect(store.runs("api").map((r) => [r.pid, r.exitCode, r.signal, r.reason])).toEqual([
        [0, null, null, "spawn_failed"],
      ]);
    } finally {
      store.close();
    }
  });

  test("runs(process, limit) returns the newest first, at most limit", () => {
    using dir = tempDir();
    const store = new Store(dir.path, OPTS);
    try {
      const ids = Array.from({ length: 5 }, (_, i) => store.beginRun("api", i));
      expect(store.runs("api", 2).map((r) => r.id)).toEqual(ids.slice(3).reverse());
    } finally {
      store.close();
    }
  });

  test("retention keeps at most N ended runs per process, never an open one, and leaves other processes alone", () => {
    using dir = tempDir();
    const store = new Store(dir.path, { runRetention: 3, eventRetention: 10_000 });
    try {
      const stuck = store.beginRun("api", 0); // open (e.g. orphaned by a crash): must survive pruning
      const other = store.beginRun("worker", 0);
      store.endRun(other, 1, { code: 0, signal: null }, "exited");
      const ended: number[] = [];
      for (let i = 0; i < 10; i++) {
        const id = store.beginRun("api", 10 + i);
        store.endRun(id, 11 + i, { code: 1, signal: null }, "crashed");
        ended.push(id);
      }
      expect({
        api: store.runs("api", 100).map((r) => r.id),
        worker: store.runs("worker", 100).map((r) => r.id),
        open: store.openRuns().map((r) => r.id),
      }).toEqual({
        api: [...ended.slice(-3).reverse(), stuck],
        worker: [other],
        open: [stuck],
      });
    } finally {
      store.close();
    }
  });
});

describe("events", () => {
  test("stored with an id, read back oldest first, filtered by process, type and id", () => {
    using dir = tempDir();
    const store = new Store(dir.path, OPTS);
    try {
      const a = store.addEvent(event(1, "api"));
      const b = store.addEvent({ ...event(2, "web"), type: "process.exited", details: null });
      const c = store.addEvent(event(3, null));
      expect({
        returned: a,
        all: store.events().map((e) => e.id),
        web: store.events({ process: "web" }),
        running: store.events({ type: "process.running" }).map((e) => e.id),
        after: store.events({ afterId: b.id }).map((e) => e.id),
        newestTwo: store.events({ limit: 2 }).map((e) => e.id),
      }).toEqual({
        returned: { id: a.id, ...event(1, "api") },
        all: [a.id, b.id, c.id],
        web: [{ id: b.id, ...event(2, "web"), type: "process.exited", details: null }],
        running: [a.id, c.id],
        after: [c.id],
        newestTwo: [b.id, c.id],
      });
    } finally {
      store.close();
    }
  });

  test("retention keeps the store bounded after many inserts, and keeps the newest", () => {
    using dir = tempDir();
    const store = new Store(dir.path, { runRetention: 100, eventRetention: 100 });
    try {
      const counts: number[] = [];
      let last = 0;
      for (let i = 1; i <= 2050; i++) {
        last = store.addEvent(event(i)).id;
        if (i % 250 === 0) counts.push(store.counts().events);
      }
      // Pruning runs every 100 inserts, so the table holds at most retention + 99 rows.
      const final = store.counts().events;
      const kept = store.events({ limit: 10_000 }).map((e) => e.id);
      expect({
        bounded: counts.every((n) => n <= 199),
        finalBounded: final >= 100 && final <= 199,
        newestKept: kept.at(-1) === last,
        contiguous: kept.every((id, i) => i === 0 || id === (kept[i - 1] as number) + 1),
      }).toEqual({ bounded: true, finalBounded: true, newestKept: true, contiguous: true });
    } finally {
      store.close();
    }
  });
});

describe("run-time processes", () => {
  test("save, replace, delete and list", () => {
    using dir = tempDir();
    const store = new Store(dir.path, OPTS);
    try {
      store.saveRuntimeProcess("b", { command: "b" }, 20);
      store.saveRuntimeProcess("a", { command: "a" }, 10);
      store.saveRuntimeProcess("c", { command: "c" }, 30);
      const listed = store.runtimeProcesses();
      store.saveRuntimeProcess("b", { command: "b2" }, 20);
      store.deleteRuntimeProcess("c");
      store.deleteRuntimeProcess("never-added");
      expect({ listed, after: store.runtimeProcesses() }).toEqual({
        listed: [
          { name: "a", spec: { command: "a" } },
          { name: "b", spec: { command: "b" } },
          { name: "c", spec: { command: "c" } },
        ],
        after: [
          { name: "a", spec: { command: "a" } },
          { name: "b", spec: { command: "b2" } },
        ],
      });
    } finally {
      store.close();
    }
  });
});
