import { expect, test } from "bun:test";
import { RateLimit } from "../../src/alerts/rate-limit.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

function setup(intervalMs: number) {
  const clock = new ManualClock();
  const fired: { at: number; item: string; suppressed: number }[] = [];
  const limit = new RateLimit<string>(clock, intervalMs, (item, suppressed) =>
    fired.push({ at: clock.nowMs(), item, suppressed }),
  );
  return { clock, fired, limit };
}

test("the first match fires at once; matches inside the interval fire one summary when it ends", () => {
  const { clock, fired, limit } = setup(10_000);
  limit.offer("a");
  for (const item of ["b", "c", "d"]) {
    clock.advance(1000);
    limit.offer(item);
  }
  clock.advance(6999);
  expect(fired).toEqual([{ at: 0, item: "a", suppressed: 0 }]);
  clock.advance(1);
  expect(fired).toEqual([
    { at: 0, item: "a", suppressed: 0 },
    { at: 10_000, item: "d", suppressed: 3 },
  ]);
});

test("a loop that goes on yields one summary per interval, each with its own count", () => {
  const { clock, fired, limit } = setup(1000);
  for (let t = 0; t < 3000; t += 100) {
    limit.offer(`m${t}`);
    clock.advance(100);
  }
  clock.advance(5000);
  expect(fired.map((f) => [f.at, f.suppressed])).toEqual([
    [0, 0],
    [1000, 9],
    [2000, 10],
    [3000, 10],
  ]);
});

test("a quiet interval sends no summary, and the next match fires at once", () => {
  const { clock, fired, limit } = setup(1000);
  limit.offer("a");
  clock.advance(5000);
  limit.offer("b");
  expect(fired).toEqual([
    { at: 0, item: "a", suppressed: 0 },
    { at: 5000, item: "b", suppressed: 0 },
  ]);
});

test("min_interval 0 sends every match", () => {
  const { fired, limit } = setup(0);
  for (const item of ["a", "b", "c"]) limit.offer(item);
  expect(fired.map((f) => f.suppressed)).toEqual([0, 0, 0]);
});

test("stop cancels the pending summary", () => {
  const { clock, fired, limit } = setup(1000);
  limit.offer("a");
  limit.offer("b");
  limit.stop();
  clock.advance(5000);
  expect({ fired: fired.length, timers: clock.pendingTimers }).toEqual({ fired: 1, timers: 0 });
});
