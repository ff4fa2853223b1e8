import type { Clock, TimerHandle } from "../clock.ts";

// One alert per min_interval per rule. The first match fires at once; matches inside the
// interval are counted, and when it ends a summary fires carrying that count with the latest
// match, so a crash loop sends one alert per interval and nothing goes unmentioned.
export class RateLimit<T> {
  private openUntilMs = 0;
  private suppressed = 0;
  private latest: T | null = null;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly fire: (item: T, suppressed: number) => void,
  ) {}

  offer(item: T): void {
    const now = this.clock.nowMs();
    if (now >= this.openUntilMs && this.timer === null) {
      this.openUntilMs = now + this.intervalMs;
      this.fire(item, 0);
      if (this.intervalMs > 0) this.timer = this.clock.after(this.intervalMs, () => this.endWindow());
      return;
    }
    this.suppressed++;
    this.latest = item;
  }

  private endWindow(): void {
    this.timer = null;
    if (this.suppressed === 0 || this.latest === null) return;
    const item = this.latest;
    const count = this.suppressed;
    this.suppressed = 0;
    this.latest = null;
    // The summary opens a new window: a loop that goes on yields one summary per interval.
    this.openUntilMs = this.clock.nowMs() + this.intervalMs;
    this.fire(item, count);
    this.timer = this.clock.after(this.intervalMs, () => this.endWindow());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
