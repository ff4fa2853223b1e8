import type { Clock, TimerHandle } from "../clock.ts";
import type { ProcessSpec, Schedule, WatchSpec } from "../config/process-spec.ts";
import { nextOccurrence } from "../config/schedule-expression.ts";
import type { ScheduleInfo, TriggerInfo } from "../domain/shapes.ts";
import { errorMessage } from "../errors.ts";

// What starts or restarts a process besides an operator: its schedule (a task started at the
// cron's times, never two runs at once), its restart_schedule (a service restarted at those
// times) and its watch (a change to a matching file restarts it). One set of triggers per
// process as written: a replicated process's copies share them, and its restart rolls.

export interface TriggerHost {
  clock: Clock;
  state(name: string): { active: boolean; state: string } | null; // null: no such process any more
  start(name: string, reason: string): Promise<unknown>;
  // Restarts the copies (or the process) whose public state `which` accepts, rolling for copies;
  // `acted` says how many there were (0: nothing was done).
  restart(
    name: string,
    reason: string,
    which: (state: string) => boolean,
  ): { acted: number; done: Promise<unknown> };
  emit(type: string, process: string, details: Record<string, unknown>): void;
  report(message: string): void;
  watch?: WatchFactory; // absent: watch keys are not acted on (the supervisor's tests)
  specs(): ProcessSpec[]; // every process now (a replicated one as its copies)
  subscribe(listener: (e: { type: string }) => void): () => void;
  shuttingDown(): boolean;
}

// Events after which the set of processes (and so of schedules and watches) may differ.
const RESHAPED: ReadonlySet<string> = new Set(["process.added", "process.removed", "supervisor.reloaded"]);

export type WatchFactory = (
  spec: WatchSpec & { cwd: string },
  onChange: (file: string) => void,
  onProblem: (message: string) => void,
) => { close(): void };

// A wait is made of steps of at most this long; at each step the wall clock is read again, so a
// clock set back never runs a schedule early, and one set forward runs it at most a step late.
export const SCHEDULE_STEP_MS = 3600_000;

export type { ScheduleInfo, TriggerInfo };

// A watch restarts what runs or would run again by itself (a backoff, a wait for dependencies)
// and what ended by itself (a crash fixed by the next save); never what the operator stopped,
// a stop under way, or a process being removed.
const WATCH_RESTARTS: ReadonlySet<string> = new Set([
  "running",
  "paused",
  "backoff",
  "waiting",
  "exited",
  "failed",
]);
const RUNNING = (state: string) => state === "running";

// One cron schedule: calls `due` at each time it names, never before it.
export class ScheduleTimer {
  private timer: TimerHandle | null = null;
  private nextAt: number | null = null;
  lastAt: number | null = null;
  skipped = 0;
  lastSkippedAt: number | null = null;

  constructor(
    private readonly schedule: Schedule,
    private readonly clock: Clock,
    private readonly due: (at: number) => void,
  ) {
    this.arm(clock.wallMs());
  }

  info(): ScheduleInfo {
    const { expression, timezone } = this.schedule;
    const { nextAt, lastAt, skipped, lastSkippedAt } = this;
    return { expression, timezone, nextAt, lastAt, skipped, lastSkippedAt };
  }

  close(): void {
    this.timer?.cancel();
    this.timer = null;
    this.nextAt = null;
  }

  private arm(after: number): void {
    this.nextAt = nextOccurrence(this.schedule.expression, this.schedule.timezone, after);
    this.step();
  }

  private step(): void {
    const at = this.nextAt;
    if (at === null) return;
    const wait = at - this.clock.wallMs();
    if (wait > 0) {
      this.timer = this.clock.after(Math.min(wait, SCHEDULE_STEP_MS), () => this.step());
      return;
    }
    this.timer = null;
    this.arm(Math.max(this.clock.wallMs(), at));
    this.due(at);
  }
}

interface Entry {
  key: string; // what the triggers were made from: unchanged, they are kept as they are
  schedule: ScheduleTimer | null;
  restartSchedule: ScheduleTimer | null;
  watcher: { close(): void } | null;
  lastChange: { file: string; at: number } | null;
  patterns: string[];
}

export class Triggers {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly host: TriggerHost) {}

  // From now on the triggers follow the set of processes: made, changed or closed as it changes.
  follow(): void {
    this.sync(this.host.specs());
    this.host.subscribe((e) => {
      if (RESHAPED.has(e.type) && !this.host.shuttingDown()) this.sync(this.host.specs());
    });
  }

  // The processes as written (a replicated one once, by its name): triggers made, kept or closed.
  sync(specs: Iterable<ProcessSpec>): void {
    const seen = new Set<string>();
    for (const spec of specs) {
      const name = spec.replica?.of ?? spec.name;
      if (seen.has(name)) continue;
      seen.add(name);
      const key = JSON.stringify([spec.schedule, spec.restartSchedule, spec.watch, spec.cwd]);
      const old = this.entries.get(name);
      if (old?.key === key) continue;
      if (old) close(old);
      const entry = this.make(name, spec, key);
      if (entry) this.entries.set(name, entry);
      else this.entries.delete(name);
    }
    for (const [name, e] of this.entries)
      if (!seen.has(name)) {
        close(e);
        this.entries.delete(name);
      }
  }

  info(name: string): TriggerInfo | null {
    const e = this.entries.get(name);
    if (!e) return null;
    return {
      schedule: e.schedule?.info() ?? null,
      restartSchedule: e.restartSchedule?.info() ?? null,
      watch: e.patterns.length ? { patterns: e.patterns, lastChange: e.lastChange } : null,
    };
  }

  close(): void {
    for (const e of this.entries.values()) close(e);
    this.entries.clear();
  }

  private make(name: string, spec: ProcessSpec, key: string): Entry | null {
    if (!spec.schedule && !spec.restartSchedule && !spec.watch) return null;
    const { clock } = this.host;
    const entry: Entry = {
      key,
      schedule: null,
      restartSchedule: null,
      watcher: null,
      lastChange: null,
      patterns: spec.watch?.patterns ?? [],
    };
    if (spec.schedule) {
      const timer: ScheduleTimer = new ScheduleTimer(spec.schedule, clock, (at) =>
        this.scheduled(name, timer, at, "start"),
      );
      entry.schedule = timer;
    }
    if (spec.restartSchedule) {
      const timer: ScheduleTimer = new ScheduleTimer(spec.restartSchedule, clock, (at) =>
        this.scheduled(name, timer, at, "restart"),
      );
      entry.restartSchedule = timer;
    }
    if (spec.watch && this.host.watch) {
      const problem = (message: string) => {
        this.host.report(`${name}: watch: ${message}`);
        this.host.emit("watch.failed", name, { error: message });
      };
      try {
        entry.watcher = this.host.watch(
          { ...spec.watch, cwd: spec.cwd ?? process.cwd() },
          (file) => this.changed(name, entry, file),
          problem,
        );
      } catch (err) {
        problem(errorMessage(err));
      }
    }
    return entry;
  }

  // A task due while its last run goes on is skipped, not queued: never two runs at once. A
  // restart_schedule restarts a running service only; one that is not running is left alone.
  private scheduled(name: string, timer: ScheduleTimer, at: number, action: "start" | "restart"): void {
    const now = this.host.state(name);
    if (!now) return;
    let done: Promise<unknown> | null = null;
    if (action === "start") done = now.active ? null : this.host.start(name, "schedule");
    else {
      const restart = this.host.restart(name, "schedule", RUNNING);
      done = restart.acted ? restart.done : null;
    }
    if (done === null) {
      timer.skipped++;
      timer.lastSkippedAt = at;
      const why = action === "start" ? "a run is still going" : `it is ${now.state}`;
      this.host.emit("schedule.skipped", name, { dueAt: at, state: now.state, action, why });
      return;
    }
    timer.lastAt = at;
    this.settle(name, "schedule", action, done);
  }

  // A change restarts the process (out of a backoff at once), unless the operator stopped it.
  private changed(name: string, entry: Entry, file: string): void {
    if (!this.host.state(name)) return;
    const { acted, done } = this.host.restart(name, "watch", (s) => WATCH_RESTARTS.has(s));
    if (acted) entry.lastChange = { file, at: this.host.clock.wallMs() };
    this.host.emit("watch.changed", name, { file, restarted: acted > 0 });
    this.settle(name, "watch", "restart", done);
  }

  private settle(name: string, trigger: string, action: string, done: Promise<unknown>): void {
    done.catch((err: unknown) => {
      const error = errorMessage(err);
      this.host.report(`${name}: ${action} by ${trigger} failed: ${error}`);
      this.host.emit("trigger.failed", name, { trigger, action, error });
    });
  }
}

function close(e: Entry): void {
  e.schedule?.close();
  e.restartSchedule?.close();
  e.watcher?.close();
}
