import type { Clock, TimerHandle } from "../clock.ts";
import type { ProcessSnapshot, Sample } from "../domain/shapes.ts";

// What the dashboard's sparklines draw: every process's CPU and memory, taken at
// metrics_interval only while someone follows (a dashboard page, an API client); the samples of
// the last hour are kept in memory for the next one to open a page, and dropped after an hour
// with nobody watching. With nobody following, no timer runs.
export const KEPT_MS = 3_600_000;

export class SampleKeeper {
  private kept: Sample[] = [];
  private readonly followers = new Set<(s: Sample) => void>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly read: () => ProcessSnapshot[],
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  history(): Sample[] {
    this.trim();
    return [...this.kept];
  }

  // The kept samples, then each new one, until the returned function is called.
  follow(listener: (s: Sample) => void): () => void {
    this.followers.add(listener);
    if (!this.timer) this.arm();
    return () => {
      this.followers.delete(listener);
      if (this.followers.size === 0) {
        this.timer?.cancel();
        this.timer = null;
      }
    };
  }

  private arm(): void {
    this.timer = this.clock.after(this.intervalMs, () => {
      this.timer = null;
      this.take();
      if (this.followers.size) this.arm();
    });
  }

  private take(): void {
    const sample: Sample = { at: this.clock.wallMs(), cpu: {}, memory: {} };
    for (const p of this.read()) {
      sample.cpu[p.name] = p.cpu;
      sample.memory[p.name] = p.memory;
    }
    this.kept.push(sample);
    this.trim();
    for (const l of [...this.followers]) {
      try {
        l(sample);
      } catch {
        // A follower whose stream broke: it goes, the others still get the sample.
        this.followers.delete(l);
      }
    }
  }

  private trim(): void {
    const oldest = this.clock.wallMs() - KEPT_MS;
    while (this.kept.length && (this.kept[0] as Sample).at < oldest) this.kept.shift();
  }
}
