import { expect, test } from "bun:test";
import { MemoryGuard } from "../../src/supervisor/memory-guard.ts";

const MIB = 1024 * 1024;

// Samples of [runId, rss]; the limit is 100 MiB; the expected verdict after each one.
test.each([
  [
    "two samples in a row above the limit",
    [
      [1, 150],
      [1, 150],
    ],
    [false, true],
  ],
  [
    "a dip below in between starts the count again",
    [
      [1, 150],
      [1, 90],
      [1, 150],
      [1, 150],
    ],
    [false, false, false, true],
  ],
  [
    "exactly at the limit is not above it",
    [
      [1, 100],
      [1, 100],
    ],
    [false, false],
  ],
  [
    "a new run does not inherit the old run's count",
    [
      [1, 150],
      [2, 150],
      [2, 150],
    ],
    [false, false, true],
  ],
  [
    "after acting, two more samples are needed",
    [
      [1, 150],
      [1, 150],
      [1, 150],
    ],
    [false, true, false],
  ],
] as const)("%s", (_, samples, expected) => {
  const g = new MemoryGuard();
  expect(samples.map(([run, mib]) => g.note("api", run, mib * MIB, 100 * MIB))).toEqual([...expected]);
});

test("no max_memory: never", () => {
  const g = new MemoryGuard();
  expect([g.note("api", 1, 10 ** 12, null), g.note("api", 1, 10 ** 12, null)]).toEqual([false, false]);
});
