import type { Clock, TimerHandle } from "../clock.ts";

export interface Watchdog {
  stop(): void;
}

// Pings at half the watchdog period, as sd_watchdog_enabled(3) advises. The ping runs on a timer
// of the event loop, so a loop blocked past the period stops the pings and systemd acts on it.
export function startWatchdog(clock: Clock, periodUsec: number, ping: () => void): Watchdog {
  const intervalMs = Math.max(1, Math.floor(periodUsec / 2000));
  let timer: TimerHandle | null = null;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    ping();
    timer = clock.after(intervalMs, tick);
  };
  tick();
  return {
    stop() {
      stopped = true;
      timer?.cancel();
      timer = null;
    },
  };
}
