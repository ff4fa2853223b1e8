// Every timer and every elapsed-time measurement in the supervisor goes through a Clock, so tests
// can drive time and backoff is measured on a monotonic clock (wall-clock jumps do not shorten it).
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  nowMs(): number; // monotonic
  wallMs(): number; // epoch, for records shown to people
  after(ms: number, fn: () => void): TimerHandle;
}

// setTimeout holds at most 2^31−1 ms (about 24.8 days); a longer delay fires after 1 ms. A wait
// longer than that is made of steps, and a step that fires before its due time (timers may run
// a little early) waits again for the rest: no timer of the supervisor ever fires early.
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
  after(ms, fn) {
    const due = performance.now() + Math.max(0, ms);
    let t: ReturnType<typeof setTimeout>;
    const arm = (wait: number) => {
      t = setTimeout(step, Math.min(MAX_TIMER_MS, Math.max(0, wait)));
    };
    const step = () => {
      const left = due - performance.now();
      if (left > 0) arm(Math.ceil(left));
      else fn();
    };
    arm(ms);
    return { cancel: () => clearTimeout(t) };
  },
};
