import type { TimerHandle } from "../../clock.ts";
import type { ProcessSpec } from "../../config/process-spec.ts";
import type { ProbeResult } from "../../domain/probes.ts";
import type { ExitInfo, Health, ProcessSource, ProcessState } from "../../domain/types.ts";
import { errorMessage } from "../../errors.ts";
import { LineStream } from "../../logs/line-stream.ts";
import type { DependencyView, GateVerdict } from "../dependencies.ts";
import { performEffect, spawnFailedOutcome, type UnitDeps } from "./effects.ts";
import type { Input } from "./inputs.ts";
import { isSuccess } from "./outcome.ts";
import { type Overrides, type Policy, policyOf } from "./overrides.ts";
import { type Phase, PUBLIC_STATE, SETTLED } from "./phases.ts";
import { type ProbeHost, UnitProbes } from "./probes.ts";
import { UnitProgress } from "./progress.ts";
import type { Run } from "./run.ts";
import { decide } from "./table.ts";
import { refusalOf } from "./view.ts";

export type { UnitDeps } from "./effects.ts";

// One supervised process: the interpreter of the transition table (table.ts). Inputs are
// handled one at a time, in order: an input that arrives while a step runs (from an effect, or
// an event subscriber acting at once) waits in the queue. A step is the table's verdict for
// the current phase: refused (the caller gets INVALID_STATE, nothing changes), ignored, or a
// next phase and effects, carried out by performEffect. The run (at most one) is the unit's
// only link to the OS, and it stays the current run until its whole tree is gone.
export class Unit implements ProbeHost {
  spec: ProcessSpec; // what the next run starts with; a reload replaces it
  readonly source: ProcessSource;
  phase: Phase = "stopped";
  reason: string | null = null;
  health: Health = "unknown";
  lastExit: ExitInfo | null = null;
  lastError: string | null = null;
  waitingFor: string[] | null = null;
  restarts = 0;
  restartsInRow = 0;
  readonly probes: UnitProbes;
  readonly progress: UnitProgress;
  run: Run | null = null;
  backoff: { timer: TimerHandle; atMs: number } | null = null;
  intent: string | null = null; // the last one written, so an unchanged intent is not written again
  private readonly queue: Input[] = [];
  private busy = false;
  private settled: { promise: Promise<void>; resolve: () => void } | null = null;
  private retired: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(
    spec: ProcessSpec,
    source: ProcessSource,
    readonly deps: UnitDeps,
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

  // What decisions read: the spec's restart policy and limits, with `tend set`'s overrides.
  get policy(): Policy {
    return policyOf(this.spec, this.overrides);
  }

  get overrides(): Overrides | null {
    return this.deps.overrides?.(this.spec) ?? null;
  }

  get state(): ProcessState {
    return PUBLIC_STATE[this.phase];
  }

  // The leader's pid while it lives.
  get pid(): number | null {
    return this.run && this.run.exit === null ? this.run.child.pid : null;
  }

  get runId(): number | null {
    return this.run?.id ?? null;
  }

  get isActive(): boolean {
    return this.run !== null || this.phase === "backoff" || this.phase === "waiting";
  }

  // What a dependent's gate needs to know about this unit.
  get view(): DependencyView {
    return {
      state: this.state,
      health: this.health,
      exitedOk: this.lastExit ? isSuccess(this.spec, this.lastExit) : null,
      settled: SETTLED.has(this.phase),
    };
  }

  // Operator actions. The promise settles when nothing is in flight any more; a refusal
  // rejects it (start, restart, stop) or throws (pause, resume, signal).
  start(reason = "requested"): Promise<void> {
    return this.acting(() => ({ type: "start", reason, gate: this.gate() }));
  }

  restart(reason = "restart"): Promise<void> {
    return this.acting(() => ({ type: "restart", reason, gate: this.gate() }));
  }

  stop(reason = "requested", force = false): Promise<void> {
    return this.acting(() => ({ type: "stop", reason, force }));
  }

  reset(): void {
    this.act({ type: "reset" }, true);
  }

  pause(): void {
    this.act({ type: "pause" }, true);
  }

  resume(): void {
    this.act({ type: "resume" }, true);
  }

  signal(signal: string): void {
    this.act({ type: "signal", signal }, true);
  }

  // Removed (tend rm, a reload): stopped for good, nothing can start it again.
  retire(reason: string): Promise<void> {
    this.act({ type: "remove", reason }, false);
    return this.whenRetired();
  }

  // The supervisor is going down: nothing starts again; the run is stopped in dependency order.
  shutdown(): Promise<void> {
    this.act({ type: "shutdown" }, false);
    return this.whenRetired();
  }

  // After a crash of the supervisor: the rest the operator had left it at.
  restore(state: "stopped" | "exited" | "failed", lastExit: ExitInfo | null): void {
    this.act({ type: "restore", state, lastExit }, false);
  }

  // Another unit changed: a waiting one may go on.
  recheck(): void {
    if (this.phase === "waiting") this.act({ type: "deps_changed", gate: this.gate() }, false);
  }

  probeHealth(runId: number, health: Health, reason: string): void {
    if (this.run?.id === runId) this.act({ type: "health", health, reason }, false);
  }

  probeFailed(runId: number, probe: "liveness" | "startup", result: ProbeResult): void {
    if (this.run?.id === runId) this.act({ type: "probe_failed", probe, message: result.message }, false);
  }

  memoryExceeded(runId: number, rssBytes: number): void {
    const limitBytes = this.policy.maxMemoryBytes;
    if (this.run?.id === runId && limitBytes !== null)
      this.act({ type: "memory_exceeded", rssBytes, limitBytes }, false);
  }

  holdsSocket(runId: number, inodes: Set<string>): boolean {
    const run = this.run;
    return run?.id === runId && this.deps.launcher.holdsSocket(run.child, run.id, inodes);
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

  whenSettled(): Promise<void> {
    if (SETTLED.has(this.phase) && this.queue.length === 0) return Promise.resolve();
    this.settled ??= Promise.withResolvers<void>();
    return this.settled.promise;
  }

  whenRetired(): Promise<void> {
    if (this.phase === "retired") return Promise.resolve();
    this.retired ??= Promise.withResolvers<void>();
    return this.retired.promise;
  }

  // A fact from the run, a timer or an effect: handled now, or after the step under way.
  feed(input: Input): void {
    this.act(input, false);
  }

  // An effect's answer to its own step (spawned, spawn_failed): handled before anything queued.
  feedNext(input: Input): void {
    if (this.busy) this.queue.unshift(input);
    else this.feed(input);
  }

  gate(): GateVerdict {
    return this.deps.gate?.(this.spec) ?? { kind: "met" };
  }

  private acting(make: () => Input): Promise<void> {
    try {
      this.act(make(), true);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.whenSettled();
  }

  private act(input: Input, strict: boolean): void {
    this.queue.push(input);
    if (this.busy) return;
    this.busy = true;
    const before = `${this.phase} ${this.health}`;
    // Only the caller's own input may be refused back at it; queued ones are facts.
    let refused: unknown = null;
    try {
      let first = strict;
      while (this.queue.length > 0) {
        const next = this.queue.shift() as Input;
        if (!first) this.stepSafely(next);
        else {
          first = false;
          try {
            this.step(next, true);
          } catch (err) {
            refused = err;
          }
        }
      }
    } finally {
      this.busy = false;
      this.afterSteps(before !== `${this.phase} ${this.health}`);
    }
    if (refused !== null) throw refused;
  }

  private stepSafely(input: Input): void {
    try {
      this.step(input, false);
    } catch (err) {
      this.report(`${input.type}: ${errorMessage(err)}`);
    }
  }

  private step(input: Input, strict: boolean): void {
    const verdict = decide(this.phase, input);
    if (verdict === null) return;
    if ("refuse" in verdict) {
      if (strict) throw refusalOf(this, verdict.refuse);
      return;
    }
    // A signal (or freeze) that cannot be delivered refuses the step before anything changes.
    const guard = (e: { kind: string }) => e.kind === "signal" || e.kind === "freeze";
    for (const e of verdict.effects) if (guard(e)) performEffect(this, e);
    if (verdict.next !== undefined) {
      this.phase = verdict.next;
      if (verdict.reason !== undefined) this.reason = verdict.reason;
      if (this.phase !== "waiting") this.waitingFor = null;
    }
    for (const e of verdict.effects) {
      if (guard(e)) continue;
      try {
        performEffect(this, e);
      } catch (err) {
        // The machine goes on: the failure is an event and a line in the supervisor's log. A
        // spawn that threw is a spawn that failed, so the unit does not stay `starting`.
        const error = errorMessage(err);
        this.report(`${e.kind} failed: ${error}`);
        this.emit("supervisor.effect_failed", e.kind, { effect: e.kind, error });
        if (e.kind === "spawn" && !this.run)
          this.feedNext({ type: "spawn_failed", error, outcome: spawnFailedOutcome(this) });
      }
    }
    if (verdict.next !== undefined)
      this.emit(`process.${this.state}`, this.reason ?? "", verdict.details ?? null);
  }

  // `moved`: the phase or health changed, which is all a dependent's gate reads of a unit.
  private afterSteps(moved: boolean): void {
    if (SETTLED.has(this.phase) && this.settled) {
      this.settled.resolve();
      this.settled = null;
    }
    if (this.phase === "retired" && this.retired) {
      this.retired.resolve();
      this.retired = null;
    }
    if (moved) this.deps.changed?.(this);
  }

  report(message: string): void {
    this.deps.report?.(`${this.name}: ${message}`);
  }
}
