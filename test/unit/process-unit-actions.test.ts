import { describe, expect, test } from "bun:test";
import { TendError } from "../../src/errors.ts";
import { crash, unitHarness } from "../helpers/fake-unit.ts";
import { waitFor } from "../helpers/wait.ts";

describe("operator actions", () => {
  test("stop during backoff cancels the pending start", async () => {
    using h = unitHarness();
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
    using h = unitHarness();
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
    using h = unitHarness();
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
    using h = unitHarness();
    await h.unit.start();
    h.lastChild().exit({ code: 1, signal: null });
    await h.launcher.settle();
    await h.unit.shutdown();
    h.clock.advance(60_000);
    const refused = await h.unit.restart().then(
      () => "restarted",
      (err: Error) => err.message,
    );
    expect({
      state: h.unit.state,
      reason: h.unit.reason,
      refused,
      spawned: h.launcher.children.length,
      timers: h.clock.pendingTimers,
    }).toEqual({
      state: "stopped",
      reason: "shutdown",
      refused: "cannot restart svc: the supervisor is shutting down",
      spawned: 1,
      timers: 0,
    });
  });

  // Regression: the winning stop used to leave the run and the state saying "restart".
  test("a stop that wins over a restart is recorded as the operator's stop", async () => {
    using h = unitHarness();
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
    using h = unitHarness();
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
    using h = unitHarness();
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
    using h = unitHarness();
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
      using h = unitHarness();
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
    using h = unitHarness();
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
