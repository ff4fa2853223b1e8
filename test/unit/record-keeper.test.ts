import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { RecordKeeper, type RecordKeeperOptions, storeWarning } from "../../src/store/record-keeper.ts";
import { Store } from "../../src/store/store.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { tempDir } from "../helpers/temp.ts";

// A real store whose writes fail while `failing` is set, the way a full disk answers
// (SQLITE_FULL); the black-box test of the daemon fills a real tmpfs instead.
function failingStore(dir: string) {
  const store = new Store(dir, { runRetention: 100, eventRetention: 10_000 });
  const state = { failing: false };
  for (const method of ["beginRun", "setRunPid", "endRun", "addEvent", "setIntent", "setMeta"] as const) {
    const real = store[method].bind(store) as (...args: unknown[]) => unknown;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (state.failing) throw new Error("SQLITE_FULL: database or disk is full");
      return real(...args);
    };
  }
  return { store, state };
}

const ev = (i: number) => ({
  at: i,
  process: "api",
  type: "test.event",
  state: null,
  reason: null,
  details: { i },
});

describe("the record keeper", () => {
  test("writes that fail wait, keep their ids and order, and are written once the store works", () => {
    using dir = tempDir();
    const { store, state } = failingStore(dir.path);
    const clock = new ManualClock();
    const told: string[] = [];
    const keeper = new RecordKeeper(store, {
      clock,
      onFailing: (e) => told.push(`failing: ${e}`),
      onRecovered: (n, d) => told.push(`recovered: ${n} written, ${d} dropped`),
    });
    try {
      const first = keeper.beginRun("api", 1);
      state.failing = true;
      const run = keeper.beginRun("api", 2);
      keeper.setRunPid(run, 4242, null);
      const events = [keeper.addEvent(ev(1)), keeper.addEvent(ev(2))];
      keeper.endRun(run, 3, { code: 1, signal: null }, "crashed");
      const during = {
        health: keeper.health(),
        timers: clock.pendingTimers,
        warning: storeWarning(keeper.health()),
      };
      clock.advance(1000); // the retry fails too
      state.failing = false;
      clock.advance(1000);
      expect({
        ids: [first, run, ...events.map((e) => e.id)],
        during,
        after: keeper.health(),
        timers: clock.pendingTimers,
        runs: store.runs("api").map((r) => [r.id, r.pid, r.reason]),
        events: store.events().map((e) => [e.id, e.details]),
        told,
      }).toEqual({
        ids: [1, 2, 1, 2],
        during: {
          health: {
            pendingWrites: 5,
            droppedEvents: 0,
            error: "SQLITE_FULL: database or disk is full",
            failingSince: clock.wallMs() - 2000,
          },
          timers: 1,
          warning:
            "5 records wait to be written to the store (SQLITE_FULL: database or disk is full), retried every second",
        },
        after: { pendingWrites: 0, droppedEvents: 0, error: null, failingSince: null },
        timers: 0,
        runs: [
          [2, 4242, "crashed"],
          [1, 0, null],
        ],
        events: [
          [1, { i: 1 }],
          [2, { i: 2 }],
        ],
        told: ["failing: SQLITE_FULL: database or disk is full", "recovered: 5 written, 0 dropped"],
      });
    } finally {
      store.close();
    }
  });

  test("past maxPending the oldest waiting events are dropped, runs never", () => {
    using dir = tempDir();
    const { store, state } = failingStore(dir.path);
    const clock = new ManualClock();
    const keeper = new RecordKeeper(store, { clock, maxPending: 3 });
    try {
      state.failing = true;
      keeper.addEvent(ev(1));
      const run = keeper.beginRun("api", 1);
      keeper.addEvent(ev(2));
      keeper.addEvent(ev(3));
      keeper.addEvent(ev(4));
      state.failing = false;
      clock.advance(1000);
      expect({
        health: keeper.health(),
        runs: store.runs("api").map((r) => r.id),
        events: store.events().map((e) => e.details),
      }).toEqual({
        health: { pendingWrites: 0, droppedEvents: 2, error: null, failingSince: null },
        runs: [run],
        events: [{ i: 3 }, { i: 4 }],
      });
    } finally {
      store.close();
    }
  });

  test("while nothing waits there is no timer", () => {
    using dir = tempDir();
    const { store } = failingStore(dir.path);
    const clock = new ManualClock();
    const keeper = new RecordKeeper(store, { clock });
    try {
      keeper.addEvent(ev(1));
      keeper.beginRun("api", 1);
      expect({ timers: clock.pendingTimers, flushed: keeper.flush() }).toEqual({ timers: 0, flushed: true });
    } finally {
      store.close();
    }
  });

  // What another connection (a later supervisor, after a crash) finds in the file.
  const onDisk = (dir: string) => {
    const db = new Database(join(dir, "tend.db"), { readonly: true });
    try {
      const ids = (table: string) =>
        (db.query(`SELECT id FROM ${table} ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
      return { runs: ids("runs"), events: ids("events") };
    } finally {
      db.close();
    }
  };

  // A keeper on a real store whose turn ends when the test says (endTurn).
  const batching = (dir: string, opts: Partial<RecordKeeperOptions> = {}) => {
    const store = new Store(dir, { runRetention: 100, eventRetention: 10_000 });
    const clock = new ManualClock();
    const turnEnds: (() => void)[] = [];
    const keeper = new RecordKeeper(store, { clock, atTurnEnd: (c) => turnEnds.push(c), ...opts });
    const endTurn = () => {
      for (const end of turnEnds.splice(0)) end();
    };
    return { store, clock, keeper, turnEnds, endTurn };
  };

  test("the writes of one turn are committed together when it ends; a run's start is committed at once", () => {
    using dir = tempDir();
    const { store, keeper, turnEnds, endTurn } = batching(dir.path);
    try {
      keeper.addEvent(ev(1));
      keeper.addEvent(ev(2));
      const inTurn = {
        disk: onDisk(dir.path),
        read: keeper.events().map((e) => e.id),
        turnEnds: turnEnds.length,
      };
      const run = keeper.beginRun("api", 1); // committed now, with what came before it
      const afterStart = onDisk(dir.path);
      keeper.endRun(run, 2, { code: 0, signal: null }, "exited");
      keeper.addEvent(ev(3));
      const beforeEnd = onDisk(dir.path);
      endTurn();
      expect({
        inTurn,
        afterStart,
        beforeEnd,
        atEnd: onDisk(dir.path),
        reason: store.runs("api")[0]?.reason,
      }).toEqual({
        // The keeper's own reads see the open transaction; another connection does not yet.
        inTurn: { disk: { runs: [], events: [] }, read: [1, 2], turnEnds: 1 },
        afterStart: { runs: [1], events: [1, 2] },
        beforeEnd: { runs: [1], events: [1, 2] },
        atEnd: { runs: [1], events: [1, 2, 3] },
        reason: "exited",
      });
    } finally {
      store.close();
    }
  });

  test("a batch whose commit fails is rolled back and waits whole, in order, for the retry", () => {
    using dir = tempDir();
    const told: string[] = [];
    const { store, clock, keeper, endTurn } = batching(dir.path, {
      onFailing: (e) => told.push(`failing: ${e}`),
      onRecovered: (n) => told.push(`recovered: ${n} written`),
    });
    const realCommit = store.commit.bind(store);
    let failCommits = 1;
    store.commit = () => {
      if (failCommits-- > 0) throw new Error("SQLITE_IOERR: disk I/O error");
      realCommit();
    };
    try {
      keeper.addEvent(ev(1));
      keeper.addEvent(ev(2));
      endTurn(); // the commit fails
      const failed = {
        health: keeper.health().pendingWrites,
        disk: onDisk(dir.path),
        read: keeper.events().length,
      };
      keeper.addEvent(ev(3)); // behind what waits
      clock.advance(1000);
      expect({ failed, after: onDisk(dir.path), health: keeper.health().pendingWrites, told }).toEqual({
        failed: { health: 2, disk: { runs: [], events: [] }, read: 0 },
        after: { runs: [], events: [1, 2, 3] },
        health: 0,
        told: ["failing: SQLITE_IOERR: disk I/O error", "recovered: 3 written"],
      });
    } finally {
      store.close();
    }
  });

  test("a write whose failure took the transaction with it (the store said nothing) sends the whole batch to the retry", () => {
    using dir = tempDir();
    const { store, clock, keeper, endTurn } = batching(dir.path);
    const realEnd = store.endRun.bind(store);
    let rollBackOnce = true;
    store.endRun = (...args: Parameters<Store["endRun"]>) => {
      realEnd(...args);
      // As SQLite does after SQLITE_FULL in a statement whose error was kept quiet (a prune).
      if (rollBackOnce) store.rollback();
      rollBackOnce = false;
    };
    try {
      const run = keeper.beginRun("api", 1);
      keeper.addEvent(ev(1));
      keeper.endRun(run, 2, { code: 1, signal: null }, "crashed");
      keeper.addEvent(ev(2));
      const waiting = keeper.health().pendingWrites;
      clock.advance(1000);
      endTurn();
      expect({ waiting, disk: onDisk(dir.path), reason: store.runs("api")[0]?.reason }).toEqual({
        waiting: 3,
        disk: { runs: [1], events: [1, 2] },
        reason: "crashed",
      });
    } finally {
      store.close();
    }
  });
});
