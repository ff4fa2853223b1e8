import { describe, expect, test } from "bun:test";
import type { ProbeSpec } from "../../src/config/probe-spec.ts";
import type { ProbeResult, ProbeStatus } from "../../src/domain/probes.ts";
import { ProbeRunner, type Tally, tally } from "../../src/probes/probe-runner.ts";
import { ScheduleStats } from "../../src/probes/schedule-stats.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { flush, ScriptedCheck } from "../helpers/scripted-check.ts";

// One probe's schedule and thresholds with the clock in the test's hands: time moves only in
// clock.advance(), and flush() lets the answered check's continuation run.
function setup(spec: Partial<ProbeSpec> = {}, check = new ScriptedCheck()) {
  const clock = new ManualClock();
  const results: { result: ProbeResult; from: ProbeStatus; to: ProbeStatus; atMs: number }[] = [];
  const stats = new ScheduleStats();
  const full: ProbeSpec = {
    check: { type: "tcp", host: "127.0.0.1", port: 1 },
    initialDelayMs: 0,
    periodMs: 1000,
    timeoutMs: 500,
    successThreshold: 1,
    failureThreshold: 3,
    ...spec,
  };
  const runner = new ProbeRunner(
    full,
    check,
    clock,
    (result, from, to) => results.push({ result, from, to, atMs: clock.nowMs() }),
    stats,
  );
  // Advances the clock and lets any check that answered finish its bookkeeping.
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  return { clock, check, runner, results, stats, advance, statuses: () => results.map((r) => r.to) };
}

describe("tally: thresholds in a row, as Kubernetes counts them", () => {
  const t = (status: ProbeStatus, successes: number, failures: number): Tally => ({
    status,
    successes,
    failures,
  });
  test.each([
    ["one success passes with success_threshold 1", t("unknown", 0, 0), true, 1, 3, t("passing", 1, 0)],
    ["one failure of three keeps unknown", t("unknown", 0, 0), false, 1, 3, t("unknown", 0, 1)],
    ["the third failure in a row fails", t("unknown", 0, 2), false, 1, 3, t("failing", 0, 3)],
    ["a success resets the failures", t("passing", 0, 2), true, 1, 3, t("passing", 1, 0)],
    [
      "passing stays passing below the failure threshold",
      t("passing", 5, 0),
      false,
      1,
      3,
      t("passing", 0, 1),
    ],
    ["failing needs success_threshold passes to recover", t("failing", 0, 4), true, 2, 3, t("failing", 1, 0)],
    ["the second pass in a row recovers", t("failing", 1, 0), true, 2, 3, t("passing", 2, 0)],
    ["failure_threshold 1 fails at once", t("passing", 3, 0), false, 1, 1, t("failing", 0, 1)],
  ])("%s", (_what, before, ok, successThreshold, failureThreshold, after) => {
    expect(tally(before, ok, { successThreshold, failureThreshold })).toEqual(after);
  });
});

describe("schedule", () => {
  test("the first check comes after initial_delay, then one per period from when each was planned", async () => {
    const h = setup({ initialDelayMs: 500, periodMs: 1000 });
    h.runner.start();
    const runsAt = async (ms: number) => {
      await h.advance(ms);
      return h.check.runs;
    };
    const seen = [await runsAt(499), await runsAt(1), await runsAt(999), await runsAt(1)];
    for (let i = 0; i < 3; i++) seen.push(await runsAt(1000));
    expect(seen).toEqual([0, 1, 1, 2, 3, 4, 5]);
    expect(h.results.map((r) => r.atMs)).toEqual([500, 1500, 2500, 3500, 4500]);
  });

  test("a check slower than the period is never overlapped; the next starts as soon as it ends", async () => {
    const h = setup({ periodMs: 100, timeoutMs: 10_000 }, new ScriptedCheck().script("hang"));
    h.runner.start();
    await h.advance(0);
    await h.advance(350); // three periods pass while the first check hangs
    const during = { runs: h.check.runs, results: h.results.length };
    h.check.release(true);
    await flush();
    await h.advance(0); // overran: the next one is due at once
    expect({ during, runs: h.check.runs, maxInFlight: h.check.maxInFlight }).toEqual({
      during: { runs: 1, results: 0 },
      runs: 2,
      maxInFlight: 1,
    });
  });

  test("timeout: a check that does not answer fails at the timeout, with the latency it took", async () => {
    const h = setup({ timeoutMs: 300 }, new ScriptedCheck("hang"));
    h.runner.start();
    await h.advance(299);
    const before = h.results.length;
    await h.advance(1);
    expect({ before, first: h.results[0]?.result }).toEqual({
      before: 0,
      first: { ok: false, message: "timed out after 300ms", latencyMs: 300, at: h.clock.wallMs() },
    });
  });

  test("failure_threshold 3: failing only at the third failure in a row; a success in between resets", async () => {
    const h = setup(
      { failureThreshold: 3 },
      new ScriptedCheck().script(true, false, false, true, false, false, false),
    );
    h.runner.start();
    for (let i = 0; i < 7; i++) await h.advance(i === 0 ? 0 : 1000);
    expect(h.statuses()).toEqual([
      "passing",
      "passing",
      "passing",
      "passing",
      "passing",
      "passing",
      "failing",
    ]);
  });

  test("success_threshold 2: two passes in a row to pass", async () => {
    const h = setup({ successThreshold: 2 }, new ScriptedCheck().script(true, false, true, true));
    h.runner.start();
    for (let i = 0; i < 4; i++) await h.advance(i === 0 ? 0 : 1000);
    expect(h.statuses()).toEqual(["unknown", "unknown", "unknown", "passing"]);
  });

  test("stop cancels the next check and drops the answer of one in flight; no timer is left", async () => {
    const h = setup({}, new ScriptedCheck().script("hang"));
    h.runner.start();
    await h.advance(0);
    h.runner.stop();
    await flush();
    await h.advance(10_000);
    expect({ runs: h.check.runs, results: h.results.length, timers: h.clock.pendingTimers }).toEqual({
      runs: 1,
      results: 0,
      timers: 0,
    });
  });

  test("a push-based check is asked at once when it has news, but not during the initial delay", async () => {
    const h = setup({ initialDelayMs: 1000, periodMs: 10_000 }, new ScriptedCheck(false));
    h.runner.start();
    await h.advance(500);
    h.check.poke(); // during the initial delay: ignored
    await flush();
    const early = h.check.runs;
    await h.advance(500); // the planned first check
    h.check.always(true);
    await h.advance(2000);
    h.check.poke();
    await flush();
    expect({ early, runs: h.check.runs, opened: h.check.opened, last: h.results.at(-1)?.atMs }).toEqual({
      early: 0,
      runs: 2,
      opened: 1,
      last: 3000,
    });
  });

  test("every check started by a timer records how late it started (0 on a manual clock)", async () => {
    const h = setup({ periodMs: 100 });
    h.runner.start();
    for (let i = 0; i < 5; i++) await h.advance(i === 0 ? 0 : 100);
    expect(h.stats.summary()).toEqual({ samples: 5, medianMs: 0, p99Ms: 0, maxMs: 0 });
  });
});

describe("ScheduleStats", () => {
  test("median and nearest-rank p99 over the samples in the window", () => {
    const s = new ScheduleStats(1000);
    for (let i = 1; i <= 100; i++) s.record(i, i * 10); // lateness 1..100 ms, recorded at 10..1000
    expect({ all: s.summary(), recent: s.summary(901), total: s.total }).toEqual({
      all: { samples: 100, medianMs: 50, p99Ms: 99, maxMs: 100 },
      recent: { samples: 10, medianMs: 95, p99Ms: 100, maxMs: 100 },
      total: 100,
    });
  });

  test("keeps the most recent samples once full; an empty window has no figures", () => {
    const s = new ScheduleStats(4);
    for (let i = 1; i <= 6; i++) s.record(i, i);
    expect({ kept: s.summary(), none: s.summary(100) }).toEqual({
      kept: { samples: 4, medianMs: 4, p99Ms: 6, maxMs: 6 },
      none: { samples: 0, medianMs: null, p99Ms: null, maxMs: null },
    });
  });
});
