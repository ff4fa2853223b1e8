import { expect, test } from "bun:test";
import { HeapKeeper } from "../../src/daemon/heap-keeper.ts";
import { waitFor } from "../helpers/wait.ts";

const MB = 1024 * 1024;

// A heap whose size the test sets; a collection brings it down to what is live.
function fakeHeap(start: number) {
  const heap = { used: start, live: start, collections: 0 };
  const keeper = new HeapKeeper({
    growthBytes: 2 * MB,
    heapUsed: () => heap.used,
    collect: () => {
      heap.collections++;
      heap.used = heap.live;
    },
  });
  return { heap, keeper };
}

test("the heap is collected only once it has grown past the allowance since the last collection", () => {
  const { heap, keeper } = fakeHeap(6 * MB);
  heap.used = 7.9 * MB;
  expect(keeper.check()).toBe(false);
  heap.used = 8.1 * MB;
  heap.live = 6.5 * MB;
  expect(keeper.check()).toBe(true);
  expect(heap.used).toBe(6.5 * MB);
  // The allowance counts from what the collection left.
  heap.used = 8.4 * MB;
  expect(keeper.check()).toBe(false);
  heap.used = 8.6 * MB;
  expect(keeper.check()).toBe(true);
  expect({ collections: heap.collections, counted: keeper.collections }).toEqual({
    collections: 2,
    counted: 2,
  });
});

test("a collection the engine ran itself lowers the floor", () => {
  const { heap, keeper } = fakeHeap(10 * MB);
  heap.used = 5 * MB; // the engine collected
  expect(keeper.check()).toBe(false);
  heap.used = 7.5 * MB; // 2.5 MB above the new floor, though below the first reading
  expect(keeper.check()).toBe(true);
});

test("a large heap may grow by a quarter of itself before it is collected", () => {
  const { heap, keeper } = fakeHeap(40 * MB);
  heap.used = 49 * MB; // 9 MB: past the 2 MB allowance, within a quarter of 40 MB
  expect(keeper.check()).toBe(false);
  heap.used = 50.5 * MB;
  expect(keeper.check()).toBe(true);
});

test("a heap that does not grow is never collected", () => {
  const { heap, keeper } = fakeHeap(6 * MB);
  for (let i = 0; i < 100; i++) expect(keeper.check()).toBe(false);
  expect(heap.collections).toBe(0);
});

test("started, the keeper checks after a poke, once for pokes in a row", async () => {
  let checks = 0;
  const keeper = new HeapKeeper({
    heapUsed: () => {
      checks++;
      return 0;
    },
    collect: () => {},
  });
  const atStart = checks; // the constructor reads the heap once
  keeper.start(5);
  keeper.poke();
  keeper.poke(); // one check for pokes in a row
  await waitFor("the poke's check", () => checks > atStart);
  expect(checks).toBe(atStart + 1);
  keeper.stop();
});
