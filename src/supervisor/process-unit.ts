import type { Clock, TimerHandle } from "../clock.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { ExitInfo, Health, ProcessSnapshot, ProcessSource, ProcessState } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import type { ChildHandle } from "../proc/spawn.ts";
import type { Store } from "../store/store.ts";
import { computeBackoffMs } from "./backoff.ts";
import type { EventBus } from "./event-bus.ts";
import type { Launcher } from "./launcher.ts";
import { decideAfterExit, type ExitOutcome } from "./restart-decision.ts";
import { sendToRun } from "./signal-run.ts";

export interface UnitDeps {
  clock: Clock;
  store: Store;
  bus: EventBus;
  launcher: Launcher;
  random?: () => number;
}

interface Run {
  id: number;
  child: ChildHandle;
  startedAtMs: number; // monotonic
  startedAtWall: number;
}

// One supervised process and its state machine. Invariants: at most one run exists at a time;
// a stop always wins over a restart in flight (every user action bumps `intent`, and a pending
// spawn gives up if the intent moved on); concurrent restarts share one promise.
export class ProcessUnit {
  spec: ProcessSpec;
  readonly source: ProcessSource;
  state: ProcessState = "stopped";
  health: Health = "unknown";
  reason: string | null = null;
  lastExit: ExitInfo | null = null;
  restarts = 0;
  restartsInRow = 0;
  lastError: string | null = null;

  private run: Run | null = null;
  private backoffTimer: TimerHandle | null = null;
  private nextStartAtMs: number | null = null;
  private stopping: Promise<void> | null = null;
  private restarting: Promise<void> | null = null;
  private intent = 0;
  // Set when the unit is removed (rm, reload): nothing may start it again.
  private retired = false;

  constructor(
    spec: ProcessSpec,
    source: ProcessSource,
    private readonly deps: UnitDeps,
  ) {
    this.spec = spec;
    this.source = source;
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | null {
    return this.run?.child.pid ?? null;
  }

  get isActive(): boolean {
    return this.run !== null || this.state === "backoff" || this.state === "waiting";
  }

  async start(reason = "requested"): Promise<void> {
    const my = ++this.intent;
    if (this.stopping) await this.stopping;
    if (my !== this.intent || this.run || this.retired) return;
    this.cancelBackoff();
    this.restartsInRow = 0;
    this.spawnNow(reason);
  }

  stop(reason = "requested"): Promise<void> {
    this.intent++;
    this.cancelBackoff();
    if (this.stopping) return this.stopping;
    if (!this.run) {
      // backoff, waiting, or a run that just ended and is being cleaned up: nothing left to signal.
      if (this.state !== "stopped" && this.state !== "exited" && this.state !== "failed") {
        this.transition("stopped", reason);
      }
      return Promise.resolve();
    }
    const run = this.run;
    this.transition("stopping", reason);
    this.stopping = this.stopRun(run, reason).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  restart(): Promise<void> {
    if (this.restarting) return this.restarting;
    const my = ++this.intent;
    this.restarting = (async () => {
      if (this.run || this.stopping) {
        if (!this.stopping) {
          const run = this.run as Run;
          this.transition("stopping", "restart");
          this.stopping = this.stopRun(run, "restart").finally(() => {
            this.stopping = null;
          });
        }
        await this.stopping;
      }
      // A stop or start that arrived while we were stopping owns the outcome now.
      if (my !== this.intent || this.run || this.retired) return;
      this.cancelBackoff();
      this.restartsInRow = 0;
      this.restarts++;
      this.spawnNow("restart");
    })().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  // Stops the unit for good: a start or restart racing with the removal cannot bring it back.
  retire(reason: string): Promise<void> {
    this.retired = true;
    return this.stop(reason);
  }

  pause(): void {
    this.requireState(["running"], "pause");
    sendToRun(this.run as Run, "SIGSTOP");
    this.transition("paused", "requested");
  }

  resume(): void {
    this.requireState(["paused"], "resume");
    sendToRun(this.run as Run, "SIGCONT");
    this.transition("running", "requested");
  }

  signal(sig: string): void {
    if (!this.run)
      throw new TendError("INVALID_STATE", `${this.name} is ${this.state}; there is no process to signal`);
    sendToRun(this.run, sig);
    this.deps.bus.emit(this.event("process.signalled", this.state, "requested", { signal: sig }));
  }

  snapshot(): ProcessSnapshot {
    const now = this.deps.clock.nowMs();
    return {
      name: this.name,
      state: this.state,
      health: this.health,
      pid: this.pid,
      startedAt: this.run?.startedAtWall ?? null,
      uptimeMs: this.run ? Math.round(now - this.run.startedAtMs) : null,
      restarts: this.restarts,
      consecutiveRestarts: this.restartsInRow,
      lastExit: this.lastExit,
      reason: this.reason,
      nextStartInMs: this.nextStartAtMs === null ? null : Math.max(0, Math.round(this.nextStartAtMs - now)),
      source: this.source,
      cpu: null,
      memory: null,
    };
  }

  private spawnNow(reason: string): void {
    if (this.run || this.retired) return; // never two copies, never a removed unit
    const { store, clock, launcher } = this.deps;
    this.transition("starting", reason);
    const runId = store.beginRun(this.name, clock.wallMs());
    let child: ChildHandle;
    try {
      child = launcher.spawn(this.spec, runId);
    } catch (err) {
      this.lastError = errorMessage(err);
      store.endRun(runId, clock.wallMs(), null, "spawn_failed");
      this.transition("failed", "spawn_failed", { error: this.lastError });
      return;
    }
    store.setRunPid(runId, child.pid, child.startTicks);
    const run: Run = { id: runId, child, startedAtMs: clock.nowMs(), startedAtWall: clock.wallMs() };
    this.run = run;
    this.lastError = null;
    this.health = "healthy"; // no readiness probe: healthy once running
    this.transition("running", reason, { pid: child.pid, runId });
    child.exited.then(
      (exit) => this.onExit(run, exit),
      (err) => this.onExit(run, { code: null, signal: null, error: errorMessage(err) } as ExitInfo),
    );
  }

  // A run ended by itself (a stop in progress handles its own run in stopRun).
  private onExit(run: Run, exit: ExitInfo): void {
    if (this.run !== run || this.state === "stopping") return;
    const { clock, store, launcher } = this.deps;
    this.run = null;
    this.lastExit = exit;
    this.health = "unknown";
    const upMs = clock.nowMs() - run.startedAtMs;
    if (upMs >= this.spec.backoff.resetAfterMs) this.restartsInRow = 0;
    const outcome = decideAfterExit(this.spec, exit, this.restartsInRow);
    store.endRun(run.id, clock.wallMs(), exit, outcome.reason);
    this.deps.bus.emit(
      this.event("process.exited", this.state, outcome.reason, { ...exit, pid: run.child.pid }),
    );
    const my = this.intent;
    // Descendants the leader left behind must be gone before a new copy starts. Usually there
    // are none and we go on at once; otherwise the unit is honestly `stopping` until they are.
    const leftovers = launcher.leftovers(run.id);
    if (leftovers.length === 0) return this.afterExit(outcome);
    this.transition("stopping", "leftovers", { pids: leftovers });
    this.stopping = launcher
      .stop(null, run.id, this.spec.stopSignal, this.spec.stopTimeoutMs)
      .catch(() => undefined)
      .then(() => {
        this.stopping = null;
        if (my === this.intent) return this.afterExit(outcome);
        // The operator acted meanwhile; a start or restart waiting on us takes it from here.
        if (!this.run) this.transition("stopped", "requested");
      });
  }

  private afterExit(outcome: ExitOutcome): void {
    const { clock } = this.deps;
    const exit = this.lastExit ?? {};
    if (outcome.kind === "exited") return this.transition("exited", outcome.reason, { ...exit });
    if (outcome.kind === "failed") return this.transition("failed", outcome.reason, { ...exit });
    if (this.retired) return this.transition("stopped", "removed");
    const my = this.intent;
    this.restartsInRow++;
    this.restarts++;
    const delayMs = computeBackoffMs(this.spec.backoff, this.restartsInRow, this.deps.random);
    this.nextStartAtMs = clock.nowMs() + delayMs;
    this.transition("backoff", outcome.reason, { delayMs, attempt: this.restartsInRow });
    if (delayMs === 0) return this.fireBackoff(my);
    this.backoffTimer = clock.after(delayMs, () => this.fireBackoff(my));
  }

  private fireBackoff(my: number): void {
    this.backoffTimer = null;
    this.nextStartAtMs = null;
    if (my !== this.intent || this.state !== "backoff") return;
    this.spawnNow("backoff");
  }

  private async stopRun(run: Run, reason: string): Promise<void> {
    const { clock, store, launcher } = this.deps;
    let exit: ExitInfo | null = null;
    try {
      const result = await launcher.stop(run.child, run.id, this.spec.stopSignal, this.spec.stopTimeoutMs);
      exit = await run.child.exited;
      if (result.survivors.length > 0)
        this.lastError = `processes survived SIGKILL: ${result.survivors.join(" ")}`;
    } catch (err) {
      this.lastError = errorMessage(err);
    }
    if (this.run === run) this.run = null;
    this.lastExit = exit;
    this.health = "unknown";
    store.endRun(run.id, clock.wallMs(), exit, reason === "restart" ? "restart" : "stopped");
    this.transition("stopped", reason, exit ? { ...exit } : null);
  }

  private cancelBackoff(): void {
    this.backoffTimer?.cancel();
    this.backoffTimer = null;
    this.nextStartAtMs = null;
  }

  private requireState(allowed: ProcessState[], action: string): void {
    if (!allowed.includes(this.state) || !this.run) {
      throw new TendError("INVALID_STATE", `cannot ${action} ${this.name}: it is ${this.state}`);
    }
  }

  private transition(
    state: ProcessState,
    reason: string,
    details: Record<string, unknown> | null = null,
  ): void {
    this.state = state;
    this.reason = reason;
    this.deps.bus.emit(this.event(`process.${state}`, state, reason, details));
  }

  private event(type: string, state: ProcessState, reason: string, details: Record<string, unknown> | null) {
    return { at: this.deps.clock.wallMs(), process: this.name, type, state, reason, details };
  }
}
