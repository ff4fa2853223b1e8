import type { TimerHandle } from "../clock.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { ProbeResult } from "../domain/probes.ts";
import type { ExitInfo, Health, ProcessSource, ProcessState } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import { LineStream } from "../logs/line-stream.ts";
import type { ProcessMetrics } from "../metrics/sampler.ts";
import type { Store } from "../store/store.ts";
import { computeBackoffMs } from "./backoff.ts";
import type { GateVerdict } from "./dependencies.ts";
import type { EventBus } from "./event-bus.ts";
import type { Launcher } from "./launcher.ts";
import {
  decideAfterExit,
  decideAfterProbeFailure,
  type ExitOutcome,
  isSuccess,
  type ProbeRestartReason,
  type TendRestartReason,
} from "./restart-decision.ts";
import { type ProbeDeps, type ProbeHost, UnitProbes } from "./unit-probes.ts";
import { UnitProgress } from "./unit-progress.ts";
import { killRunTree, launchRun, type Run } from "./unit-run.ts";

export interface UnitDeps extends Omit<ProbeDeps, "lines"> {
  store: Store;
  bus: EventBus;
  launcher: Launcher;
  random?: () => number;
  lines?: LineStream; // what log probes read; the supervisor passes the one its logs feed
  // Whether the unit's dependencies let it start now; absent: there is nothing to wait for.
  gate?: (spec: ProcessSpec) => GateVerdict;
  // The latest metrics sample of a process's tree; absent: metrics are off.
  usage?: (name: string) => ProcessMetrics | null;
  // True once the supervisor is shutting down: nothing starts any more, whatever asked.
  halted?: () => boolean;
}

// The half of a unit's state machine that follows a run: spawn and record it, start its probes,
// handle its end (by itself, by a stop, or by a failed liveness probe), wait out the backoff.
// ProcessUnit adds what operators and dependencies ask for. `intent` is bumped by every user
// action: work begun under an older intent gives up, which is how a stop wins over a restart.
export abstract class UnitLifecycle implements ProbeHost {
  spec: ProcessSpec;
  readonly source: ProcessSource;
  state: ProcessState = "stopped";
  health: Health = "unknown";
  reason: string | null = null;
  lastExit: ExitInfo | null = null;
  restarts = 0;
  restartsInRow = 0;
  lastError: string | null = null;
  waitingFor: string[] | null = null;
  readonly probes: UnitProbes;
  readonly progress: UnitProgress;

  protected run: Run | null = null;
  protected nextStartAtMs: number | null = null;
  protected stopping: Promise<void> | null = null;
  // Set when an operator's stop arrives while a restart's stop is under way: the stop wins, and
  // the run and the final state say so instead of "restart".
  protected stopReasonOverride: string | null = null;
  protected intent = 0;
  // Set when the unit is removed (rm, reload): nothing may start it again.
  protected retired = false;
  private backoffTimer: TimerHandle | null = null;

  constructor(
    spec: ProcessSpec,
    source: ProcessSource,
    protected readonly deps: UnitDeps,
  ) {
    this.spec = spec;
    this.source = source;
    const lines = deps.lines ?? new LineStream();
    this.probes = new UnitProbes(this, { ...deps, lines });
    this.progress = new UnitProgress(this, { clock: deps.clock, lines });
  }

  get name(): string {
    return this.spec.name;
  }

  setHealth(health: Health, reason: string): void {
    if (health === this.health) return;
    const previous = this.health;
    this.health = health;
    this.emit("health.changed", reason, { health, previous });
  }

  emit(type: string, reason: string, details: Record<string, unknown> | null): void {
    this.deps.bus.emit({
      at: this.deps.clock.wallMs(),
      process: this.name,
      type,
      state: this.state,
      reason,
      details,
    });
  }

  // Liveness (or startup) failed past its threshold: tend ends the run, then restarts it
  // through the backoff like a crash. A stop or restart arriving meanwhile owns the outcome.
  probeFailed(runId: number, kind: ProbeRestartReason, result: ProbeResult): void {
    const run = this.run;
    if (!run || run.id !== runId || this.stopping || this.state !== "running") return;
    this.lastError = `${kind} probe failed: ${result.message}`;
    const my = this.intent;
    this.transition("stopping", kind, { probe: kind, message: result.message });
    this.track(this.endRunForProbe(run, kind, my));
  }

  // The tree's RSS stayed above max_memory during run `runId`: the same path as a failed liveness.
  memoryExceeded(runId: number, rssBytes: number): void {
    const run = this.run;
    if (!run || run.id !== runId || this.stopping || this.state !== "running") return;
    const limitBytes = this.spec.maxMemoryBytes;
    this.lastError = `memory ${rssBytes} bytes above max_memory ${limitBytes} bytes`;
    const my = this.intent;
    this.transition("stopping", "memory", { rssBytes, limitBytes });
    this.track(this.endRunForProbe(run, "memory", my));
  }

  private async endRunForProbe(run: Run, reason: TendRestartReason, my: number): Promise<void> {
    const upMs = this.deps.clock.nowMs() - run.startedAtMs;
    const exit = await this.killRun(run, reason);
    if (upMs >= this.spec.backoff.resetAfterMs) this.restartsInRow = 0;
    this.emit("process.exited", reason, { ...exit, pid: run.child.pid });
    this.setHealth("unknown", reason);
    if (my === this.intent) this.afterExit(decideAfterProbeFailure(this.spec, reason, this.restartsInRow));
    else if (!this.run) this.transition("stopped", "requested");
  }

  protected spawnNow(reason: string): void {
    if (this.run || this.retired) return; // never two copies, never a removed unit
    if (this.deps.halted?.()) {
      // A restart, backoff or reload that outlived the start of a shutdown: nothing new runs.
      if (this.state !== "stopped") this.transition("stopped", "shutdown");
      return;
    }
    this.transition("starting", reason);
    this.progress.begin(this.spec.progressPattern);
    const launched = launchRun(this.deps, this.spec);
    if ("error" in launched) {
      this.lastError = launched.error;
      this.transition("failed", "spawn_failed", { error: this.lastError });
      return;
    }
    const run = launched.run;
    this.run = run;
    this.lastError = null;
    this.transition("running", reason, { pid: run.child.pid, runId: run.id });
    // No startup or readiness probe: healthy once running.
    this.setHealth(this.probes.begin(run.id), "running");
    run.child.exited.then(
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
    this.probes.end();
    const upMs = clock.nowMs() - run.startedAtMs;
    if (upMs >= this.spec.backoff.resetAfterMs) this.restartsInRow = 0;
    const outcome = decideAfterExit(this.spec, exit, this.restartsInRow);
    // The run itself exited or crashed; giving up (max_restarts) is the state's reason, not the run's.
    const ended = isSuccess(this.spec, exit) ? "exited" : "crashed";
    store.endRun(run.id, clock.wallMs(), exit, ended);
    this.emit("process.exited", ended, { ...exit, pid: run.child.pid });
    this.setHealth("unknown", outcome.reason);
    const my = this.intent;
    // Descendants the leader left behind must be gone before a new copy starts. Usually there
    // are none and we go on at once; otherwise the unit is honestly `stopping` until they are.
    const leftovers = launcher.leftovers(run.id);
    if (leftovers.length === 0) {
      this.afterExit(outcome);
      return;
    }
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
    if (outcome.kind !== "restart") {
      this.transition(outcome.kind, outcome.reason, { ...this.lastExit });
      return;
    }
    if (this.retired) {
      this.transition("stopped", "removed");
      return;
    }
    const my = this.intent;
    this.restartsInRow++;
    this.restarts++;
    const delayMs = computeBackoffMs(this.spec.backoff, this.restartsInRow, this.deps.random);
    this.nextStartAtMs = clock.nowMs() + delayMs;
    this.transition("backoff", outcome.reason, { delayMs, attempt: this.restartsInRow });
    if (delayMs === 0) this.fireBackoff(my);
    else this.backoffTimer = clock.after(delayMs, () => this.fireBackoff(my));
  }

  private fireBackoff(my: number): void {
    this.backoffTimer = null;
    this.nextStartAtMs = null;
    if (my !== this.intent || this.state !== "backoff") return;
    this.spawnNow("backoff");
  }

  protected async stopRun(run: Run, reason: string): Promise<void> {
    const exit = await this.killRun(run, () => {
      const why = this.stopReasonOverride ?? reason;
      return why === "restart" ? "restart" : "stopped";
    });
    const why = this.stopReasonOverride ?? reason;
    this.stopReasonOverride = null;
    this.setHealth("unknown", why);
    this.transition("stopped", why, exit ? { ...exit } : null);
  }

  // Ends a run by signal (stop, restart, a failed probe) and records it; the caller moves on.
  private async killRun(run: Run, recordedReason: string | (() => string)): Promise<ExitInfo | null> {
    this.probes.end();
    const { exit, error } = await killRunTree(this.deps.launcher, this.spec, run);
    if (error) this.lastError = error;
    if (this.run === run) this.run = null;
    this.lastExit = exit;
    const reason = typeof recordedReason === "string" ? recordedReason : recordedReason();
    this.deps.store.endRun(run.id, this.deps.clock.wallMs(), exit, reason);
    return exit;
  }

  // The promise every action waits on while a run is being ended.
  protected track(ending: Promise<void>): Promise<void> {
    this.stopping = ending.finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  protected cancelBackoff(): void {
    this.backoffTimer?.cancel();
    this.backoffTimer = null;
    this.nextStartAtMs = null;
  }

  protected transition(
    state: ProcessState,
    reason: string,
    details: Record<string, unknown> | null = null,
  ): void {
    this.state = state;
    this.reason = reason;
    if (state !== "waiting") this.waitingFor = null;
    this.emit(`process.${state}`, reason, details);
  }
}
