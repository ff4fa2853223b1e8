import type { ProbeScheduleReport } from "../domain/probes.ts";

// How late probe checks start compared with when they were planned: the health of the
// scheduler itself. A ring of the most recent samples, summarised on request.
type LatenessSummary = Omit<ProbeScheduleReport, "checks" | "windowMs">;

export class ScheduleStats {
  private readonly lateMs: Float64Array;
  private readonly atMs: Float64Array;
  private next = 0;
  private filled = 0;
  total = 0; // checks started on schedule since the supervisor started

  constructor(capacity = 65_536) {
    this.lateMs = new Float64Array(capacity);
    this.atMs = new Float64Array(capacity);
  }

  record(latenessMs: number, atMs: number): void {
    // Not clamped: a timer can fire a fraction of a millisecond early, and that is shown too.
    this.lateMs[this.next] = latenessMs;
    this.atMs[this.next] = atMs;
    this.next = (this.next + 1) % this.lateMs.length;
    this.filled = Math.min(this.filled + 1, this.lateMs.length);
    this.total++;
  }

  // The report of GET /v1/debug/probe-schedule: the last `windowMs` before `nowMs`, or all kept.
  report(nowMs: number, windowMs?: number): ProbeScheduleReport {
    const since = windowMs === undefined ? undefined : nowMs - windowMs;
    return { checks: this.total, windowMs: windowMs ?? null, ...this.summary(since) };
  }

  // Over the samples recorded at or after `sinceMs` (monotonic), of those still kept.
  summary(sinceMs = Number.NEGATIVE_INFINITY): LatenessSummary {
    const picked: number[] = [];
    for (let i = 0; i < this.filled; i++)
      if ((this.atMs[i] as number) >= sinceMs) picked.push(this.lateMs[i] as number);
    if (picked.length === 0) return { samples: 0, medianMs: null, p99Ms: null, maxMs: null };
    picked.sort((a, b) => a - b);
    const rank = (q: number) =>
      picked[Math.min(picked.length - 1, Math.ceil(q * picked.length) - 1)] as number;
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      samples: picked.length,
      medianMs: round(rank(0.5)),
      p99Ms: round(rank(0.99)),
      maxMs: round(picked[picked.length - 1] as number),
    };
  }
}
