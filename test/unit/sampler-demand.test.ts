import { expect, test } from "bun:test";
import { MetricsSampler, WATCHED_INTERVALS } from "../../src/metrics/sampler.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

// The sampler runs only while someone watches or a process needs it: with this test's own
// process as the one running root (a real /proc tree), and a clock the test moves.
const roots = () => [{ name: "self", leaderPid: process.pid, marker: "none" }];

test("nobody watching: no timer; a read samples at once and keeps it going for a few intervals", () => {
  const clock = new ManualClock();
  const s = new MetricsSampler({ clock, intervalMs: 1000, roots });
  s.wake(); // a process started, nobody reads: nothing is armed
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([0, 0]);
  s.watched(); // a ps: one sample now
  expect(s.stats().ticks).toBe(1);
  clock.advance(WATCHED_INTERVALS * 1000 + 1000);
  const afterWatch = s.stats().ticks;
  expect(afterWatch).toBe(WATCHED_INTERVALS + 1);
  clock.advance(10_000);
  expect([s.stats().ticks, clock.pendingTimers]).toEqual([afterWatch, 0]);
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
