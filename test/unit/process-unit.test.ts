import { describe, expect, test } from "bun:test";
import { snapshotOf } from "../../src/supervisor/unit/view.ts";
import { crash, unitHarness } from "../helpers/fake-unit.ts";

describe("starting", () => {
  test("start spawns one child and records the run", async () => {
    using h = unitHarness();
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

  test("a spawn that throws is a run that crashed at once: restarted through the backoff", async () => {
    using h = unitHarness();
    h.launcher.failSpawn = "no such file";
    await h.unit.start();
    const during = { state: h.unit.state, lastError: h.unit.lastError };
    h.launcher.failSpawn = null;
    h.clock.advance(100);
    expect({
      during,
      state: h.unit.state,
      lastError: h.unit.lastError,
      runs: h.store.runs("svc").map((r) => [r.reason, r.endedAt !== null]),
      trail: h.trail(),
    }).toEqual({
      during: { state: "backoff", lastError: "no such file" },
      state: "running",
      lastError: null,
      runs: [
        [null, false],
        ["spawn_failed", true],
      ],
      trail: ["starting(requested)", "backoff(spawn_failed)", "starting(backoff)", "running(backoff)"],
    });
  });

  test("with restart = never a spawn that throws fails the process and closes its run", async () => {
    using h = unitHarness({ restart: "never" });
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
    using h = unitHarness();
    await h.unit.start();
    await crash(h);
    const waiting = { state: h.unit.state, nextStartInMs: snapshotOf(h.unit).nextStartInMs };
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
    using h = unitHarness();
    await h.unit.start();
    for (let i = 0; i < 6; i++) {
      await crash(h);
      h.clock.advance(snapshotOf(h.unit).nextStartInMs ?? 0);
    }
    expect(h.delays()).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test("a run that stayed up reset_after resets the count and the backoff", async () => {
    using h = unitHarness();
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
    using h = unitHarness({ max_restarts: 2 });
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
      using h = unitHarness({ restart });
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
    using h = unitHarness();
    h.launcher.leaveLeftovers = true;
    await h.unit.start();
    const runId = h.lastChild().runId;
    await crash(h);
    expect(h.launcher.stopCalls).toEqual([{ runId, pid: h.lastChild().pid, signal: "SIGTERM" }]);
  });
});
