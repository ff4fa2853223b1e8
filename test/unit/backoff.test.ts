import { describe, expect, test } from "bun:test";
import type { BackoffPolicy } from "../../src/config/process-spec.ts";
import { computeBackoffMs } from "../../src/supervisor/unit/backoff.ts";

const policy = (p: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  initialMs: 100,
  factor: 2,
  maxMs: 1000,
  jitter: 0,
  resetAfterMs: 60_000,
  ...p,
});

const never = () => {
  throw new Error("random() must not matter here");
};

describe("computeBackoffMs without jitter", () => {
  test("doubles from initial and stays at max", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => computeBackoffMs(policy(), attempt, () => 0.5));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test.each([
    ["factor 1 is a constant delay", policy({ factor: 1 }), [1, 2, 3, 4], [100, 100, 100, 100]],
    ["factor 3", policy({ factor: 3 }), [1, 2, 3, 4], [100, 300, 900, 1000]],
    ["initial equal to max", policy({ initialMs: 1000 }), [1, 2, 3, 4], [1000, 1000, 1000, 1000]],
    ["huge attempt numbers stay at max", policy(), [50, 500, 5000, 1e6], [1000, 1000, 1000, 1000]],
  ])("%s", (_what, p, attempts, expected) => {
    expect(attempts.map((a) => computeBackoffMs(p, a, () => 0.5))).toEqual(expected);
  });

  test.each([
    ["initial 0 never waits", policy({ initialMs: 0, jitter: 0.5 }), 3, 0],
    ["attempt 0 does not wait", policy({ jitter: 0.5 }), 0, 0],
    ["a negative attempt does not wait", policy(), -1, 0],
  ])("%s", (_what, p, attempt, expected) => {
    expect(computeBackoffMs(p, attempt, never)).toBe(expected);
  });
});

describe("computeBackoffMs with jitter", () => {
  // random() = 0 is the low edge (-jitter), 1 the high edge (+jitter); the result never passes max.
  test.each([
    [1, 0, 75],
    [1, 0.5, 100],
    [1, 1, 125],
    [3, 0, 300],
    [3, 1, 500],
    [4, 0, 600],
    [4, 1, 1000],
    [9, 0, 750],
    [9, 1, 1000],
  ])("attempt %d, random %d → %d ms", (attempt, r, expected) => {
    expect(computeBackoffMs(policy({ jitter: 0.25 }), attempt, () => r)).toBe(expected);
  });

  test("every delay lies within ±jitter of the unjittered one, capped at max", () => {
    const p = policy({ jitter: 0.1 });
    const out: { attempt: number; r: number; ms: number }[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = Math.min(100 * 2 ** (attempt - 1), 1000);
      for (const r of [0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999]) {
        const ms = computeBackoffMs(p, attempt, () => r);
        if (ms < Math.round(base * 0.9) || ms > Math.min(Math.round(base * 1.1), 1000))
          out.push({ attempt, r, ms });
      }
    }
    expect(out).toEqual([]);
  });
});
