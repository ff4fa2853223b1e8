import { describe, expect, test } from "bun:test";
import type { RawProcess } from "../../src/config/schema.ts";
import type { ProbeKind } from "../../src/domain/probes.ts";
import type { CheckFactory } from "../../src/probes/create-check.ts";
import { snapshotOf } from "../../src/supervisor/unit/view.ts";
import { fakeUnit } from "../helpers/fake-unit.ts";
import { flush, ScriptedCheck } from "../helpers/scripted-check.ts";

const PROBE = { type: "tcp", port: 1, interval: 100, timeout: 50, failure_threshold: 2 } as const;

// A unit with probes whose checks the test scripts; the OS and the clock are fakes.
function setup(overrides: Partial<RawProcess> = {}) {
  const checks = {
    startup: new ScriptedCheck(),
    readiness: new ScriptedCheck(),
    liveness: new ScriptedCheck(),
  };
  const factory: CheckFactory = (_spec, ctx) => checks[ctx.command([]).env.TEND_PROBE as ProbeKind];
  const { unit, clock, launcher, store, dispose } = fakeUnit(overrides, { checks: factory });
  return {
    unit,
    clock,
    launcher,
    store,
    checks,
    // Moves time in 10 ms steps so each check answers before its 50 ms timeout.
    // With `held`, stops are being held by the launcher: do not wait for them.
    async tick(ms: number, held = false) {
      for (let t = 0; t < ms; t += 10) {
        clock.advance(Math.min(10, ms - t));
        await flush();
        if (!held) await launcher.settle();
      }
    },
    // State changes, health changes and probe events, oldest first.
    trail: () =>
      store
        .events({ process: "svc" })
        .filter((e) => e.type !== "process.exited")
        .map((e) =>
          e.type === `process.${e.state}`
            ? `${e.state}(${e.reason})`
            : `${e.type}${e.type === "health.changed" ? `:${e.details?.health}` : ""}(${e.reason})`,
        ),
    [Symbol.dispose]: dispose,
  };
}

describe("probes in the unit's state machine", () => {
  test("a process without probes is healthy once running, and no timer exists for it", async () => {
    using h = setup();
    await h.unit.start();
    expect({ health: h.unit.health, timers: h.clock.pendingTimers }).toEqual({
      health: "healthy",
      timers: 0,
    });
  });

  test("liveness failure restarts the process through the backoff, with reason liveness", async () => {
    using h = setup({ liveness: PROBE });
    await h.unit.start();
    h.checks.liveness.script(true, false, false);
    await h.tick(200); // pass, fail, fail: failing at the second failure
    await h.tick(100); // the 100 ms backoff
    expect({
      trail: h.unit.state === "running" ? h.trail() : h.unit.state,
      runs: h.store.runs("svc").map((r) => r.reason),
      restarts: h.unit.restarts,
      spawned: h.launcher.children.length,
      alive: h.launcher.alive.length,
    }).toEqual({
      trail: [
        "starting(requested)",
        "run.started(requested)",
        "health.changed:healthy(running)",
        "running(requested)",
        "probe.failed(liveness)",
        "health.changed:unknown(liveness)",
        "stopping(liveness)",
        "run.exited(liveness)",
        "backoff(liveness)",
        "starting(backoff)",
        "run.started(backoff)",
        "health.changed:healthy(running)",
        "running(backoff)",
      ],
      runs: [null, "liveness"],
      restarts: 1,
      spawned: 2,
      alive: 1,
    });
  });

  test("restart = never: a liveness failure leaves the process failed (liveness)", async () => {
    using h = setup({ liveness: PROBE, restart: "never" });
    await h.unit.start();
    h.checks.liveness.always(false);
    await h.tick(200);
    expect({ state: h.unit.state, reason: h.unit.reason, alive: h.launcher.alive.length }).toEqual({
      state: "failed",
      reason: "liveness",
      alive: 0,
    });
  });

  test("readiness failure marks the process unhealthy and never restarts it", async () => {
    using h = setup({ readiness: PROBE });
    await h.unit.start();
    const before = h.unit.health;
    h.checks.readiness.always(false).script(true);
    await h.tick(500);
    expect({
      before,
      health: h.unit.health,
      state: h.unit.state,
      spawned: h.launcher.children.length,
      last: snapshotOf(h.unit).lastProbe?.kind,
      trail: h.trail(),
    }).toEqual({
      before: "unknown",
      health: "unhealthy",
      state: "running",
      spawned: 1,
      last: "readiness",
      trail: [
        "starting(requested)",
        "run.started(requested)",
        "running(requested)",
        "health.changed:healthy(readiness)",
        "probe.failed(readiness)",
        "health.changed:unhealthy(readiness)",
      ],
    });
  });

  test("a failing startup probe restarts after its failure_threshold; readiness never ran", async () => {
    using h = setup({ startup: PROBE, readiness: PROBE });
    await h.unit.start();
    h.checks.startup.always(false);
    await h.tick(150);
    expect({
      state: h.unit.state,
      reason: h.unit.reason,
      runs: h.store.runs("svc").map((r) => r.reason),
      readiness: h.checks.readiness.runs,
    }).toEqual({ state: "backoff", reason: "startup", runs: ["startup"], readiness: 0 });
  });

  test("a stop during the liveness kill wins: stopped, no restart", async () => {
    using h = setup({ liveness: PROBE });
    await h.unit.start();
    h.checks.liveness.always(false);
    const release = h.launcher.hold();
    await h.tick(150, true);
    const during = h.unit.state;
    const stopped = h.unit.stop();
    release();
    await stopped;
    await h.tick(1000);
    expect({
      during,
      state: h.unit.state,
      spawned: h.launcher.children.length,
      timers: h.clock.pendingTimers,
    }).toEqual({ during: "stopping", state: "stopped", spawned: 1, timers: 0 });
  });

  test("probes stop with the run: after a stop no check runs and no timer is left", async () => {
    using h = setup({ readiness: PROBE, liveness: PROBE });
    await h.unit.start();
    await h.tick(100);
    await h.unit.stop();
    const runs = h.checks.readiness.runs + h.checks.liveness.runs;
    await h.tick(1000);
    expect({
      runs: h.checks.readiness.runs + h.checks.liveness.runs - runs,
      timers: h.clock.pendingTimers,
      health: h.unit.health,
    }).toEqual({ runs: 0, timers: 0, health: "unknown" });
  });
});
