import type { Clock, TimerHandle } from "../clock.ts";
import type { ProbeSpec } from "../config/probe-spec.ts";
import type { ProbeResult, ProbeStatus } from "../domain/probes.ts";
import { errorMessage } from "../errors.ts";
import type { ScheduleStats } from "./schedule-stats.ts";
import type { CheckOutcome, ProbeCheck } from "./types.ts";

export interface Tally {
  status: ProbeStatus;
  successes: number; // in a row
  failures: number; // in a row
}

// Thresholds as Kubernetes applies them: `successThreshold` passes in a row to pass,
// `failureThreshold` failures in a row to fail; one result of the other kind resets the count.
export function tally(
  t: Tally,
  ok: boolean,
  spec: Pick<ProbeSpec, "successThreshold" | "failureThreshold">,
): Tally {
  if (ok) {
    const successes = t.successes + 1;
    const status = successes >= spec.successThreshold ? "passing" : t.status;
    return { status, successes, failures: 0 };
  }
  const failures = t.failures + 1;
  const status = failures >= spec.failureThreshold ? "failing" : t.status;
  return { status, successes: 0, failures };
}

export type ResultListener = (result: ProbeResult, from: ProbeStatus, to: ProbeStatus) => void;

// Owns one probe's schedule: first check after initialDelay, then one every period, measured
// from when each was planned (a check that overruns its period is followed at once, never
// overlapped). Every timer goes through the Clock; a runner that is stopped has none.
export class ProbeRunner {
  tally: Tally = { status: "unknown", successes: 0, failures: 0 };
  last: ProbeResult | null = null;
  private timer: TimerHandle | null = null;
  private plannedAtMs = 0;
  private notBeforeMs = 0;
  private inFlight: AbortController | null = null;
  private wakeWanted = false;
  private active = false;
  // Bumped by stop(): the result of a check begun before is dropped.
  private generation = 0;

  constructor(
    readonly spec: ProbeSpec,
    private readonly check: ProbeCheck,
    private readonly clock: Clock,
    private readonly onResult: ResultListener,
    private readonly stats: ScheduleStats | null = null,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.generation++;
    this.tally = { ...this.tally, successes: 0, failures: 0 };
    this.notBeforeMs = this.clock.nowMs() + this.spec.initialDelayMs;
    this.check.open?.(() => this.wake());
    this.plan(this.notBeforeMs);
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    this.generation++;
    this.timer?.cancel();
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
    this.wakeWanted = false;
    this.check.close?.();
  }

  private plan(atMs: number): void {
    this.plannedAtMs = atMs;
    this.timer = this.clock.after(atMs - this.clock.nowMs(), () => {
      this.timer = null;
      this.stats?.record(this.clock.nowMs() - this.plannedAtMs, this.clock.nowMs());
      void this.runCheck();
    });
  }

  // A push-based check has news: ask now instead of at the next period (never during the
  // initial delay, never while a check is in flight).
  private wake(): void {
    if (!this.active) return;
    if (this.inFlight) {
      this.wakeWanted = true;
      return;
    }
    if (this.clock.nowMs() < this.notBeforeMs) return;
    this.timer?.cancel();
    this.timer = null;
    this.plannedAtMs = this.clock.nowMs();
    void this.runCheck();
  }

  private async runCheck(): Promise<void> {
    const generation = this.generation;
    const ac = new AbortController();
    this.inFlight = ac;
    const startedMs = this.clock.nowMs();
    const deadline = this.clock.after(this.spec.timeoutMs, () => ac.abort());
    let outcome: CheckOutcome;
    try {
      outcome = await this.check.run(ac.signal);
    } catch (err) {
      outcome = { ok: false, message: errorMessage(err) };
    }
    deadline.cancel();
    if (generation !== this.generation) return;
    this.inFlight = null;
    if (ac.signal.aborted) outcome = { ok: false, message: `timed out after ${this.spec.timeoutMs}ms` };
    const nowMs = this.clock.nowMs();
    const result: ProbeResult = {
      ...outcome,
      latencyMs: Math.round((nowMs - startedMs) * 10) / 10,
      at: this.clock.wallMs(),
    };
    const from = this.tally.status;
    this.tally = tally(this.tally, result.ok, this.spec);
    this.last = result;
    this.onResult(result, from, this.tally.status);
    // The listener may have stopped this runner (a startup probe that passed, a restart).
    if (generation !== this.generation) return;
    const next = this.wakeWanted ? nowMs : Math.max(this.plannedAtMs + this.spec.periodMs, nowMs);
    this.wakeWanted = false;
    this.plan(next);
  }
}
