import { describe, expect, test } from "bun:test";
import type { ProbeSpec, ProcessProbes } from "../../src/config/probe-spec.ts";
import type { ProbeKind } from "../../src/domain/probes.ts";
import type { Health } from "../../src/domain/types.ts";
import { ProbeRunner } from "../../src/probes/probe-runner.ts";
import { ProbeSet } from "../../src/probes/probe-set.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { flush, ScriptedCheck } from "../helpers/scripted-check.ts";

const probe = (p: Partial<ProbeSpec> = {}): ProbeSpec => ({
  check: { type: "tcp", host: "127.0.0.1", port: 1 },
  initialDelayMs: 0,
  periodMs: 100,
  timeoutMs: 50,
  successThreshold: 1,
  failureThreshold: 2,
  ...p,
});

// The gating between startup, readiness and liveness, with scripted checks and a manual clock.
function setup(probes: Partial<ProcessProbes>) {
  const clock = new ManualClock();
  const checks = {
    startup: new ScriptedCheck(),
    readiness: new ScriptedCheck(),
    liveness: new ScriptedCheck(),
  };
  const calls: string[] = [];
  const set = new ProbeSet(
    { startup: null, readiness: null, liveness: null, ...probes },
    (kind, onResult) => new ProbeRunner(probes[kind] as ProbeSpec, checks[kind], clock, onResult),
    {
      health: (h: Health, kind: ProbeKind) => calls.push(`health ${h} (${kind})`),
      fatal: (kind) => calls.push(`fatal ${kind}`),
      result: () => {},
    },
  );
  // Runs `n` periods of 100 ms in 10 ms steps, letting each check's answer land before its
  // 50 ms timeout (advance() fires every timer due in one go).
  const periods = async (n: number) => {
    clock.advance(0);
    await flush();
    for (let i = 0; i < (n - 1) * 10; i++) {
      clock.advance(10);
      await flush();
    }
  };
  return { clock, checks, calls, set, periods };
}

describe("ProbeSet", () => {
  test.each<[string, Partial<ProcessProbes>, boolean, Health]>([
    ["no probe at all", {}, false, "healthy"],
    ["liveness only: healthy once running", { liveness: probe() }, true, "healthy"],
    ["readiness decides", { readiness: probe() }, true, "unknown"],
    ["startup decides", { startup: probe() }, true, "unknown"],
  ])("%s", (_what, probes, needed, health) => {
    const full = { startup: null, readiness: null, liveness: null, ...probes };
    expect({ needed: ProbeSet.needed(full), health: setup(probes).set.initialHealth }).toEqual({
      needed,
      health,
    });
  });

  test("startup holds readiness and liveness until it passes, then stops itself", async () => {
    const h = setup({ startup: probe(), readiness: probe(), liveness: probe() });
    // Startup fails once (below its failure_threshold of 2), then passes.
    h.checks.startup.script(false);
    h.set.start();
    await h.periods(1);
    const held = { readiness: h.checks.readiness.runs, liveness: h.checks.liveness.runs };
    await h.periods(3);
    expect({
      held,
      startupRuns: h.checks.startup.runs,
      readiness: h.checks.readiness.runs > 0,
      liveness: h.checks.liveness.runs > 0,
      calls: h.calls,
    }).toEqual({
      held: { readiness: 0, liveness: 0 },
      startupRuns: 2,
      readiness: true,
      liveness: true,
      calls: ["health healthy (readiness)"],
    });
  });

  test("a startup probe that fails past its threshold asks for a restart; the others never ran", async () => {
    const h = setup({ startup: probe({ failureThreshold: 3 }), readiness: probe() });
    h.checks.startup.always(false);
    h.set.start();
    await h.periods(3);
    expect({ calls: h.calls, readiness: h.checks.readiness.runs }).toEqual({
      calls: ["fatal startup"],
      readiness: 0,
    });
  });

  test("without readiness, a passed startup probe makes the process healthy", async () => {
    const h = setup({ startup: probe() });
    h.set.start();
    await h.periods(1);
    expect(h.calls).toEqual(["health healthy (startup)"]);
  });

  test("readiness sets health both ways and never asks for a restart", async () => {
    const h = setup({ readiness: probe({ failureThreshold: 2 }) });
    h.checks.readiness.script(true, false, false, false, true);
    h.set.start();
    await h.periods(5);
    expect(h.calls).toEqual([
      "health healthy (readiness)",
      "health unhealthy (readiness)",
      "health healthy (readiness)",
    ]);
  });

  test("liveness failing past its threshold asks for a restart", async () => {
    const h = setup({ liveness: probe({ failureThreshold: 2 }) });
    h.checks.liveness.script(true, false, false);
    h.set.start();
    await h.periods(3);
    expect(h.calls).toEqual(["fatal liveness"]);
  });

  test("paused: no check runs and no timer waits; resume goes on where it was", async () => {
    const h = setup({ startup: probe(), liveness: probe() });
    h.set.start();
    await h.periods(1); // startup passed
    h.set.pause();
    const timers = h.clock.pendingTimers;
    await h.periods(5);
    const whilePaused = h.checks.liveness.runs;
    h.set.resume();
    await h.periods(2);
    expect({
      timers,
      whilePaused,
      startupRuns: h.checks.startup.runs,
      liveness: h.checks.liveness.runs,
    }).toEqual({
      timers: 0,
      whilePaused: 0,
      startupRuns: 1,
      liveness: 2,
    });
  });
});
