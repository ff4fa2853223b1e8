import { describe, expect, test } from "bun:test";
import type { RawProcess } from "../../src/config/schema.ts";
import { TendError } from "../../src/errors.ts";
import { fakeUnit } from "../helpers/fake-unit.ts";
import { waitFor } from "../helpers/wait.ts";

// The state machine with the OS and the clock replaced: children end when the test says so,
// time moves only through clock.advance().
function setup(overrides: Partial<RawProcess> = {}, halted?: () => boolean) {
  const { unit, clock, launcher, store, dispose } = fakeUnit(overrides, { halted });
  return {
    unit,
    clock,
    launcher,
    store,
    // Every state change as "state(reason)", oldest first.
    trail: () =>
      store
        .events({ process: "svc" })
        .filter((e) => e.type === `process.${e.state}`)
        .map((e) => `${e.state}(${e.reason})`),
    delays: () =>
      store
        .events({ process: "svc", type: "process.backoff" })
        .map((e) => (e.details as { delayMs: number }).delayMs),
    lastChild: () => {
      const c = launcher.children.at(-1);
      if (!c) throw new Error("nothing was spawned");
      return c;
    },
    [Symbol.dispose]: dispose,
  };
}

type Harness = ReturnType<typeof setup>;

// The current child exits with `code`; returns once the unit has handled it.
async function crash(h: Harness, code = 1): Promise<void> {
  h.lastChild().exit({ code, signal: null });
  await h.launcher.settle();
}

describe("starting", () => {
  test("start spawns one child and records the run", async () => {
    using h = setup();
    await h.unit.start();
    await h.unit.start(); // already running: never a second copy
    expect({
      snapshot: { state: h.unit.state, health: h.unit.health, pid: h.unit.pid },
      spawned: h.launcher.children.length,
      runs: h.store.runs("svc").map((r) => [r.pid, r.endedAt]),
      trail: h.trail(),
    }).toEqual({
      snapshot: { state: "running", health: "healthy", pid: h.lastChild().pid },
      spawned: 1,
      runs: [[h.lastChild().pid, null]],
      trail: ["starting(requested)", "running(requested)"],
    });
  });

  test("a spawn that throws fails the process and closes its run", async () => {
    using h = setup();
    h.launcher.failSpawn = "no such file";
    await h.unit.start();
    expect({
      state: h.unit.state,
      lastError: h.unit.lastError,
      runs: h.store.runs("svc").map((r) => [r.reason, r.endedAt !== null]),
      trail: h.trail(),
    }).toEqual({
      state: "failed",
      lastError: "no such file",
      runs: [["spawn_failed", true]],
      trail: ["starting(requested)", "failed(spawn_failed)"],
    });
  });
});

describe("after a run ends by itself", () => {
  test("on-failure: a crash waits out the backoff on the clock, then starts again", async () => {
    using h = setup();
    await h.unit.start();
    await crash(h);
    const waiting = { state: h.unit.state, nextStartInMs: h.unit.snapshot().nextStartInMs };
    h.clock.advance(99);
    const early = h.launcher.children.length;
    h.clock.advance(1);
    expect({
      waiting,
      early,
      spawned: h.launcher.children.length,
      state: h.unit.state,
      restarts: [h.unit.restarts, h.unit.restartsInRow],
      trail: h.trail(),
    }).toEqual({
      waiting: { state: "backoff", nextStartInMs: 100 },
      early: 1,
      spawned: 2,
      state: "running",
      restarts: [1, 1],
      trail: [
        "starting(requested)",
        "running(requested)",
        "backoff(crashed)",
        "starting(backoff)",
        "running(backoff)",
      ],
    });
  });

  test("the backoff doubles with each crash in a row and stops at max", async () => {
    using h = setup();
    await h.unit.start();
    for (let i = 0; i < 6; i++) {
      await crash(h);
      h.clock.advance(h.unit.snapshot().nextStartInMs ?? 0);
    }
    expect(h.delays()).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test("a run that stayed up reset_after resets the count and the backoff", async () => {
    using h = setup();
    await h.unit.start();
    await crash(h);
    h.clock.advance(100);
    await crash(h);
    h.clock.advance(200);
    h.clock.advance(10_000); // this run stays up reset_after
    await crash(h);
    expect({ delays: h.delays(), inRow: h.unit.restartsInRow, total: h.unit.restarts }).toEqual({
      delays: [100, 200, 100],
      inRow: 1,
      total: 3,
    });
  });

  test("max_restarts N: fails after N restarts in a row", async () => {
    using h = setup({ max_restarts: 2 });
    await h.unit.start();
    await crash(h);
    h.clock.advance(100);
    await crash(h);
    h.clock.advance(200);
    await crash(h);
    h.clock.advance(10_000);
    expect({ state: h.unit.state, reason: h.unit.reason, spawned: h.launcher.children.length }).toEqual({
      state: "failed",
      reason: "max_restarts",
      spawned: 3,
    });
  });

  test.each([
    ["never", 0, "exited", "exited"],
    ["never", 3, "exited", "crashed"],
    ["on-failure", 0, "exited", "exited"],
  ] as const)(
    "restart = %s, exit %d: ends in %s (%s), not restarted",
    async (restart, code, state, reason) => {
      using h = setup({ restart });
      await h.unit.start();
      await crash(h, code);
      h.clock.advance(60_000);
      expect({
        state: h.unit.state,
        reason: h.unit.reason,
        lastExit: h.unit.lastExit,
        spawned: h.launcher.children.length,
      }).toEqual({ state, reason, lastExit: { code, signal: null }, spawned: 1 });
    },
  );

  test("descendants the leader left are cleaned up before anything else", async () => {
    using h = setup();
    h.launcher.leaveLeftovers = true;
    await h.unit.start();
    const runId = h.lastChild().runId;
    await crash(h);
    expect(h.launcher.stopCalls).toEqual([{ runId, pid: null, signal: "SIGTERM" }]);
  });
});

describe("operator actions", () => {
  test("stop during backoff cancels the pending start", async () => {
    using h = setup();
    await h.unit.start();
    await crash(h);
    await h.unit.stop();
    h.clock.advance(60_000);
    expect({
      state: h.unit.state,
      spawned: h.launcher.children.length,
      timers: h.clock.pendingTimers,
    }).toEqual({
      state: "stopped",
      spawned: 1,
      timers: 0,
    });
  });

  test("restart skips the backoff and resets the count", async () => {
    using h = setup();
    await h.unit.start();
    await crash(h);
    h.clock.advance(100);
    await crash(h);
    await h.unit.restart();
    h.clock.advance(60_000);
    expect({
      state: h.unit.state,
      inRow: h.unit.restartsInRow,
      spawned: h.launcher.children.length,
      alive: h.launcher.alive.length,
    }).toEqual({ state: "running", inRow: 0, spawned: 3, alive: 1 });
  });

  test("concurrent restarts coalesce into one", async () => {
    using h = setup();
    await h.unit.start();
    h.launcher.leaveLeftovers = true;
    const release = h.launcher.hold();
    const first = h.unit.restart();
    const second = h.unit.restart();
    const same = first === second;
    release();
    await Promise.all([first, second]);
    expect({
      same,
      spawned: h.launcher.children.length,
      alive: h.launcher.alive.length,
      restarts: h.unit.restarts,
    }).toEqual({
      same: true,
      spawned: 2,
      alive: 1,
      restarts: 1,
    });
  });

  // Regression: a restart or backoff that outlived the start of a shutdown spawned a copy that
  // nothing would stop; once the supervisor is halted nothing new starts.
  test("nothing starts once the supervisor is shutting down", async () => {
    let halted = false;
    using h = setup({}, () => halted);
    await h.unit.start();
    h.lastChild().exit({ code: 1, signal: null });
    await h.launcher.settle();
    halted = true;
    h.clock.advance(60_000);
    await h.unit.restart();
    expect({ state: h.unit.state, reason: h.unit.reason, spawned: h.launcher.children.length }).toEqual({
      state: "stopped",
      reason: "shutdown",
      spawned: 1,
    });
  });

  // Regression: the winning stop used to leave the run and the state saying "restart".
  test("a stop that wins over a restart is recorded as the operator's stop", async () => {
    using h = setup();
    await h.unit.start();
    const release = h.launcher.hold();
    const restarting = h.unit.restart();
    const stopping = h.unit.stop();
    release();
    await Promise.all([restarting, stopping]);
    expect({
      state: h.unit.state,
      reason: h.unit.reason,
      runs: h.store.runs("svc").map((r) => r.reason),
    }).toEqual({ state: "stopped", reason: "requested", runs: ["stopped"] });
  });

  test("a stop wins over a restart in flight", async () => {
    using h = setup();
    await h.unit.start();
    h.launcher.leaveLeftovers = true;
    const release = h.launcher.hold();
    const restarting = h.unit.restart();
    const stopping = h.unit.stop();
    release();
    await Promise.all([restarting, stopping]);
    h.clock.advance(60_000);
    expect({
      state: h.unit.state,
      pid: h.unit.pid,
      spawned: h.launcher.children.length,
      alive: h.launcher.alive.length,
    }).toEqual({
      state: "stopped",
      pid: null,
      spawned: 1,
      alive: 0,
    });
  });

  test("a start during a stop waits for the stop, then runs exactly one copy", async () => {
    using h = setup();
    await h.unit.start();
    h.launcher.leaveLeftovers = true;
    const release = h.launcher.hold();
    const stopping = h.unit.stop();
    const starting = h.unit.start();
    release();
    await Promise.all([stopping, starting]);
    expect({
      state: h.unit.state,
      spawned: h.launcher.children.length,
      alive: h.launcher.alive.length,
    }).toEqual({
      state: "running",
      spawned: 2,
      alive: 1,
    });
  });

  test("a stop while an ended run is being cleaned up prevents the restart", async () => {
    using h = setup();
    await h.unit.start();
    h.launcher.leaveLeftovers = true;
    const release = h.launcher.hold();
    h.lastChild().exit({ code: 1, signal: null });
    await waitFor("the clean-up stop to begin", () => h.launcher.stopCalls.length === 1);
    // The stop is complete only once the leftovers are gone, so it resolves after release.
    const stopping = h.unit.stop();
    release();
    await stopping;
    await h.launcher.settle();
    h.clock.advance(60_000);
    expect({ state: h.unit.state, spawned: h.launcher.children.length }).toEqual({
      state: "stopped",
      spawned: 1,
    });
  });

  // Regression: onExit kills what the ended leader left behind before any new copy starts, but
  // a start or restart that arrives during that clean-up spawns at once, so the new run and
  // the old run's leftovers are alive together (SPEC §3: never two copies).
  test.each(["start", "restart"] as const)(
    "a %s while an ended run is cleaned up waits for the clean-up",
    async (action) => {
      using h = setup();
      await h.unit.start();
      h.launcher.leaveLeftovers = true;
      const release = h.launcher.hold();
      h.lastChild().exit({ code: 1, signal: null });
      await waitFor("the clean-up stop to begin", () => h.launcher.stopCalls.length === 1);
      const acting = h.unit[action]();
      const spawnedDuringCleanup = h.launcher.children.length;
      release();
      await acting;
      await h.launcher.settle();
      h.clock.advance(60_000);
      expect({
        spawnedDuringCleanup,
        spawned: h.launcher.children.length,
        alive: h.launcher.alive.length,
        state: h.unit.state,
      }).toEqual({ spawnedDuringCleanup: 1, spawned: 2, alive: 1, state: "running" });
    },
  );

  // Regression: after a run ends by itself the unit keeps its old state while the leader's
  // descendants are cleaned up, but `run` is already null. pause() passes the state check and
  // then dereferences the missing run: a TypeError, which the API turns into a 500, where a
  // refused action must be a TendError (409). resume() of a paused unit has the same gap.
  test("pause while an ended run is cleaned up is refused with INVALID_STATE", async () => {
    using h = setup();
    await h.unit.start();
    h.launcher.leaveLeftovers = true;
    const release = h.launcher.hold();
    h.lastChild().exit({ code: null, signal: "SIGKILL" });
    await waitFor("the clean-up stop to begin", () => h.launcher.stopCalls.length === 1);
    let error: unknown = null;
    try {
      h.unit.pause();
    } catch (err) {
      error = err;
    } finally {
      release();
      await h.launcher.settle();
    }
    expect({
      isTendError: error instanceof TendError,
      code: error instanceof TendError ? error.code : String(error),
    }).toEqual({ isTendError: true, code: "INVALID_STATE" });
  });
});
