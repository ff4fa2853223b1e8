import type { Clock, TimerHandle } from "../../clock.ts";
import { computeEtaMs, type ProgressInfo, parseProgress } from "../../domain/progress.ts";
import type { LineStream } from "../../logs/line-stream.ts";

export interface ProgressDeps {
  clock: Clock;
  lines: LineStream;
}

export interface ProgressHost {
  readonly name: string;
  emit(type: string, reason: string, details: Record<string, unknown> | null): void;
}

export type ProgressSource = "output" | "api";

// At most one progress.updated event per second per process: a task printing a line per
// percent must not flood the store. The latest value always goes out, at the end of the second.
export const PROGRESS_EVENT_INTERVAL_MS = 1000;

// How far the current run of a unit has got: reported by output lines matching progress_pattern
// (followed only while a pattern is set, so other processes' output is never split into lines)
// or through the API (`tend progress`). A new run starts from nothing.
export class UnitProgress {
  private fraction: number | null = null;
  private message: string | null = null;
  private source: ProgressSource | null = null;
  private updatedAt = 0;
  private updatedAtMs = 0;
  private startedAtMs = 0;
  private lastEventMs = Number.NEGATIVE_INFINITY;
  private pending: TimerHandle | null = null;
  private watch: { pattern: string; stop: () => void } | null = null;

  constructor(
    private readonly host: ProgressHost,
    private readonly deps: ProgressDeps,
  ) {}

  // A run starts: forget the last one's progress and follow the output if the spec says so.
  begin(pattern: string | null): void {
    this.cancelPending();
    this.fraction = null;
    this.message = null;
    this.source = null;
    this.startedAtMs = this.deps.clock.nowMs();
    this.follow(pattern);
  }

  report(fraction: number, message: string | null, source: ProgressSource): void {
    this.fraction = fraction;
    if (message !== null) this.message = message;
    this.source = source;
    this.updatedAt = this.deps.clock.wallMs();
    this.updatedAtMs = this.deps.clock.nowMs();
    this.announce();
  }

  // `running`: whether the run is still going; a finished run keeps its last report, no ETA.
  info(running: boolean): ProgressInfo | null {
    if (this.fraction === null) return null;
    const until = running ? this.deps.clock.nowMs() : this.updatedAtMs;
    const runtimeMs = Math.max(0, Math.round(until - this.startedAtMs));
    return {
      fraction: this.fraction,
      message: this.message,
      updatedAt: this.updatedAt,
      runtimeMs,
      etaMs: running ? computeEtaMs(runtimeMs, this.fraction) : null,
    };
  }

  close(): void {
    this.cancelPending();
    this.follow(null);
  }

  private follow(pattern: string | null): void {
    if (this.watch?.pattern === pattern) return;
    this.watch?.stop();
    this.watch = null;
    if (pattern === null) return;
    const re = new RegExp(pattern);
    const stop = this.deps.lines.subscribe(this.host.name, (line) => {
      const m = re.exec(line.text);
      if (!m) return;
      const fraction = parseProgress(m[1] ?? m[0]);
      if (fraction !== null) this.report(fraction, null, "output");
    });
    this.watch = { pattern, stop };
  }

  private announce(): void {
    if (this.pending) return; // the pending event will carry the latest value
    const waitMs = this.lastEventMs + PROGRESS_EVENT_INTERVAL_MS - this.deps.clock.nowMs();
    if (waitMs <= 0) this.emitNow();
    else this.pending = this.deps.clock.after(waitMs, () => this.emitNow());
  }

  private emitNow(): void {
    this.pending = null;
    if (this.fraction === null) return;
    this.lastEventMs = this.deps.clock.nowMs();
    this.host.emit("progress.updated", this.source ?? "api", {
      progress: this.fraction,
      message: this.message,
    });
  }

  private cancelPending(): void {
    this.pending?.cancel();
    this.pending = null;
  }
}
