import type { Clock, TimerHandle } from "../clock.ts";
import type { ProcessSnapshot } from "../domain/types.ts";

// The one line `systemctl status tend` shows: "4/5 running, 1 in backoff, 0 failed".
export function statusLine(list: readonly Pick<ProcessSnapshot, "state">[]): string {
  const count = (state: ProcessSnapshot["state"]) => list.filter((p) => p.state === state).length;
  const parts = [`${count("running")}/${list.length} running`];
  const backoff = count("backoff");
  if (backoff > 0) parts.push(`${backoff} in backoff`);
  parts.push(`${count("failed")} failed`);
  return parts.join(", ");
}

export interface StatusReporter {
  // Something changed: the line is recomputed and sent, at most once per interval.
  changed(): void;
  // The line went out with another message (READY=1): no need to repeat it.
  noteSent(line: string): void;
  stop(): void;
}

// A crash loop emits events many times a second; systemd needs the latest line, not each one.
// The first change goes out at once, later ones within the interval are folded into one send at
// its end, and a line equal to the last one sent is not sent again.
export function createStatusReporter(
  clock: Clock,
  minIntervalMs: number,
  compute: () => string,
  send: (line: string) => void,
): StatusReporter {
  let lastSent: string | null = null;
  let lastSentAtMs = Number.NEGATIVE_INFINITY;
  let timer: TimerHandle | null = null;
  let stopped = false;
  const flush = () => {
    timer = null;
    if (stopped) return;
    const line = compute();
    lastSentAtMs = clock.nowMs();
    if (line === lastSent) return;
    lastSent = line;
    send(line);
  };
  return {
    changed() {
      if (stopped || timer) return;
      const waitMs = lastSentAtMs + minIntervalMs - clock.nowMs();
      if (waitMs <= 0) flush();
      else timer = clock.after(waitMs, flush);
    },
    noteSent(line) {
      lastSent = line;
      lastSentAtMs = clock.nowMs();
    },
    stop() {
      stopped = true;
      timer?.cancel();
      timer = null;
    },
  };
}
