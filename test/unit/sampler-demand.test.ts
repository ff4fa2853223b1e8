import { expect, test } from "bun:test";
import { MetricsSampler } from "../../src/metrics/sampler.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

// The sampler runs a timer only while someone follows or a process needs it: with this test's own
// process as the one running root (a real /proc tree), and a clock the test moves.
const roots = () => [{ name: "self", leaderPid: process.pid, marker: "none" }];

test("nobody following: no timer; a read samples on the spot, at most once an interval", () => {
  const clock = new ManualClock();
  const s = new MetricsSampler({ clock, intervalMs: 1000, roots });
  s.wake(); // a process started, nobody reads: nothing is armed
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([0, 0]);
  s.watched(); // a ps: one sample now, and no timer after it
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([1, 0]);
  clock.advance(500);
  s.watched(); // another within the interval: the same sample
  expect(s.stats().ticks).toBe(1);
  clock.advance(500);
  s.watched(); // an interval after the last: a new one
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([2, 0]);
  clock.advance(60_000);
  expect(s.stats().ticks).toBe(2);
});

test("a read's CPU is the average since the previous sample, or since the run started", () => {
  const clock = new ManualClock();
  // Spends 60 ms of this process's CPU (not of the wall clock): at least 6 ticks in /proc.
  const burn = () => {
    const from = process.cpuUsage();
    for (;;) {
      const used = process.cpuUsage(from);
      if (used.user + used.system >= 60_000) return;
    }
  };
  const startedMs = clock.nowMs();
  const s = new MetricsSampler({
    clock,
    intervalMs: 1000,
    roots: () => [{ name: "self", leaderPid: process.pid, marker: "none", startedMs }],
  });
  burn();
  clock.advance(10);
  s.watched(); // the first sample: CPU since the run started, 10 ms of the test's clock ago
  const first = s.get("self")?.cpuPercent ?? -1;
  clock.advance(1000);
  s.watched(); // the next: CPU over the clock second since, in which the test hardly ran
  const second = s.get("self")?.cpuPercent ?? -1;
  // At least 60 ms of CPU over 10 ms of clock is far above one core; the second is near 0.
  expect({ firstAboveACore: first > 100, secondSmall: second >= 0 && second < 50 }).toEqual({
    firstAboveACore: true,
    secondSmall: true,
  });
});

test("a hold (an open stream) keeps sampling until released; a process that needs samples keeps it too", () => {
  const clock = new ManualClock();
  const s = new MetricsSampler({ clock, intervalMs: 1000, roots });
  const release = s.hold();
  clock.advance(20_000);
  expect(s.stats().ticks).toBe(21);
  release();
  clock.advance(20_000);
  expect(clock.pendingTimers).toBe(0);

  let needed = true;
  const guarded = new MetricsSampler({ clock, intervalMs: 1000, roots, needed: () => needed });
  guarded.wake();
  clock.advance(5_000);
  expect(guarded.stats().ticks).toBe(6);
  needed = false;
  clock.advance(5_000);
  expect(clock.pendingTimers).toBe(0);
});

test("a hold right after a read keeps that sample and ticks an interval after it", () => {
  const clock = new ManualClock();
  const s = new MetricsSampler({ clock, intervalMs: 1000, roots });
  s.watched(); // a stream lists first...
  clock.advance(1);
  const release = s.hold(); // ...then follows: no second sample a millisecond later
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([1, 1]);
  clock.advance(998);
  expect(s.stats().ticks).toBe(1);
  clock.advance(1); // an interval after the read
  expect(s.stats().ticks).toBe(2);
  clock.advance(1000);
  expect(s.stats().ticks).toBe(3);
  release();
  clock.advance(5_000);
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([4, 0]);
});
