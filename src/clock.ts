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

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};
