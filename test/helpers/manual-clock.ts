import type { Clock, TimerHandle } from "../../src/clock.ts";

// A clock that moves only when the test says so. Timers fire in due order inside advance().
export class ManualClock implements Clock {
  private now = 0;
  private readonly wallStart: number;
  private timers: { at: number; fn: () => void; seq: number }[] = [];
  private seq = 0;

  constructor(wallStart = Date.UTC(2030, 0, 1)) {
    this.wallStart = wallStart;
  }

  nowMs(): number {
    return this.now;
  }

  wallMs(): number {
    return this.wallStart + this.now;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.now + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = target;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
