import type { HeapStats } from "../domain/shapes.ts";

// The supervisor's memory should stay flat however long it runs. Left to itself the collector
// lets a busy supervisor's heap (a crash loop, a chatty API client) double before a full
// collection, and RSS rides that sawtooth several MB above what is live. A second after anything
// happens (an event, a request, a metrics tick: poke()) the keeper reads how much the heap has
// grown since the last full collection, so a start-up's garbage is gone before the supervisor
// goes quiet; past the allowance
// (`growthBytes`, or a quarter of what the last collection left if that is more, so a large
// heap is not collected every time) it runs one: about 10 ms on a supervisor's heap of a few
// MB. A heap that does not grow is never collected; with 500 processes sampled every second the
// collections cost less than the benchmark's noise (scripts/bench.ts --only metrics-cpu).
export interface HeapKeeperOptions {
  growthBytes?: number; // default 1 MiB
  heapUsed?: () => number;
  collect?: () => void;
}

export type { HeapStats };

export class HeapKeeper {
  private readonly growthBytes: number;
  private readonly heapUsed: () => number;
  private readonly collect: () => void;
  private floor: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private intervalMs = 0;
  collections = 0;

  constructor(opts: HeapKeeperOptions = {}) {
    this.growthBytes = opts.growthBytes ?? 1024 * 1024;
    this.heapUsed = opts.heapUsed ?? (() => process.memoryUsage().heapUsed);
    this.collect = opts.collect ?? (() => Bun.gc(true));
    this.floor = this.heapUsed();
  }

  // The heap grows only when something happens (an event, a request): poke() after each, and
  // one check follows within intervalMs. An idle supervisor runs no timer for it.
  start(intervalMs = 1000): this {
    this.intervalMs = intervalMs;
    return this;
  }

  poke(): void {
    if (this.timer || this.intervalMs === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.intervalMs = 0;
  }

  // Collects if the heap grew past the allowance; true if it did.
  check(): boolean {
    const used = this.heapUsed();
    // A collection the engine ran itself lowers the floor.
    if (used < this.floor) this.floor = used;
    if (used - this.floor < Math.max(this.growthBytes, this.floor / 4)) return false;
    this.collect();
    this.collections++;
    this.floor = this.heapUsed();
    return true;
  }

  stats(): HeapStats {
    return { collections: this.collections, heapUsedBytes: this.heapUsed(), floorBytes: this.floor };
  }
}
