import type { ProcessDetail } from "../domain/control.ts";
import type { ProcessSnapshot, ProcessState, RunRecord } from "../domain/types.ts";
import { TendError } from "../errors.ts";
import type { DependencyView, GateVerdict } from "./dependencies.ts";
import { isSuccess } from "./restart-decision.ts";
import { sendToRun } from "./signal-run.ts";
import { UnitLifecycle } from "./unit-lifecycle.ts";
import type { Run } from "./unit-run.ts";

export type { UnitDeps } from "./unit-lifecycle.ts";

// One supervised process and its state machine. Invariants: at most one run exists at a time;
// a stop always wins over a restart in flight (every user action bumps `intent`, and a pending
// spawn gives up if the intent moved on); concurrent restarts share one promise. A start waits
// (state `waiting`) until the gate says its dependencies are met.
export class ProcessUnit extends UnitLifecycle {
  private restarting: Promise<void> | null = null;
  // While waiting for dependencies: the reason it was started for, and by which intent.
  private waiting: { reason: string; intent: number } | null = null;
  private startPending = false;

  get pid(): number | null {
    return this.run?.child.pid ?? null;
  }

  // The id of the current run (its TEND_RUN marker), or null without one.
  get runId(): number | null {
    return this.run?.id ?? null;
  }

  get isActive(): boolean {
    return this.run !== null || this.state === "backoff" || this.state === "waiting";
  }

  // What a dependent's gate needs to know about this unit.
  get view(): DependencyView {
    return {
      state: this.state,
      health: this.health,
      exitedOk: this.lastExit ? isSuccess(this.spec, this.lastExit) : null,
      settled: !this.stopping && !this.restarting && !this.startPending,
    };
  }

  async start(reason = "requested"): Promise<void> {
    if (this.waiting && this.state === "waiting") return; // on its way already
    const my = ++this.intent;
    if (this.stopping) {
      this.startPending = true;
      await this.stopping.finally(() => {
        this.startPending = false;
      });
    }
    if (my !== this.intent || this.run || this.retired) return;
    this.cancelBackoff();
    this.restartsInRow = 0;
    this.startWhenReady(reason);
  }

  // Another process changed: a waiting unit starts, fails, or goes on waiting.
  recheck(): void {
    const w = this.waiting;
    if (!w || this.state !== "waiting" || w.intent !== this.intent) return;
    const verdict = this.deps.gate?.(this.spec) ?? { kind: "met" };
    if (verdict.kind === "waiting") {
      this.waitingFor = verdict.waitingFor;
      return;
    }
    this.waiting = null;
    if (verdict.kind === "met") this.spawnNow(w.reason);
    else this.failDependency(verdict);
  }

  stop(reason = "requested"): Promise<void> {
    this.intent++;
    this.waiting = null;
    this.cancelBackoff();
    if (this.stopping) {
      if (this.restarting) this.stopReasonOverride = reason;
      return this.stopping;
    }
    if (!this.run) {
      // backoff, waiting, or a run that just ended and is being cleaned up: nothing left to signal.
      if (this.state !== "stopped" && this.state !== "exited" && this.state !== "failed") {
        this.transition("stopped", reason);
      }
      return Promise.resolve();
    }
    this.transition("stopping", reason);
    return this.track(this.stopRun(this.run, reason));
  }

  restart(): Promise<void> {
    if (this.restarting) return this.restarting;
    const my = ++this.intent;
    this.restarting = (async () => {
      if (this.run && !this.stopping) {
        this.transition("stopping", "restart");
        this.track(this.stopRun(this.run, "restart"));
      }
      if (this.stopping) await this.stopping;
      // A stop or start that arrived while we were stopping owns the outcome now.
      if (my !== this.intent || this.run || this.retired) return;
      this.cancelBackoff();
      this.restartsInRow = 0;
      this.restarts++;
      this.startWhenReady("restart");
    })().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  // Stops the unit for good: a start or restart racing with the removal cannot bring it back.
  retire(reason: string): Promise<void> {
    this.retired = true;
    this.progress.close();
    return this.stop(reason);
  }

  pause(): void {
    this.requireState(["running"], "pause");
    sendToRun(this.run as Run, "SIGSTOP", true);
    this.probes.pause();
    this.transition("paused", "requested");
  }

  resume(): void {
    this.requireState(["paused"], "resume");
    sendToRun(this.run as Run, "SIGCONT", true);
    this.probes.resume();
    this.transition("running", "requested");
  }

  signal(sig: string): void {
    if (!this.run)
      throw new TendError("INVALID_STATE", `${this.name} is ${this.state}; there is no process to signal`);
    sendToRun(this.run, sig);
    this.emit("process.signalled", "requested", { signal: sig });
  }

  // `tend progress` from inside the child: progress belongs to a run, so there must be one.
  reportProgress(fraction: number, message: string | null): void {
    if (!this.run)
      throw new TendError("INVALID_STATE", `${this.name} is ${this.state}; it has no run to report on`);
    this.progress.report(fraction, message, "api");
  }

  snapshot(): ProcessSnapshot {
    const now = this.deps.clock.nowMs();
    const usage = this.run ? (this.deps.usage?.(this.name) ?? null) : null;
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
      waitingFor: this.state === "waiting" ? this.waitingFor : null,
      lastProbe: this.probes.last,
      source: this.source,
      cpu: usage?.cpuPercent ?? null,
      memory: usage?.rssBytes ?? null,
      fds: usage?.fds ?? null,
      threads: usage?.threads ?? null,
      progress: this.progress.info(this.run !== null),
    };
  }

  // `tend status`: the snapshot, with the spec and `runs` (the latest first).
  detail(runs: RunRecord[]): ProcessDetail {
    return {
      ...this.snapshot(),
      command: this.spec.argv,
      cwd: this.spec.cwd,
      restartPolicy: this.spec.restart,
      lastError: this.lastError,
      spec: this.spec.raw,
      runs,
      probes: this.probes.reports(),
      dependsOn: this.spec.dependsOn,
      preset: this.spec.preset,
    };
  }

  private startWhenReady(reason: string): void {
    const verdict = this.deps.gate?.(this.spec) ?? { kind: "met" };
    if (verdict.kind === "met") this.spawnNow(reason);
    else if (verdict.kind === "failed") this.failDependency(verdict);
    else this.wait(reason, verdict.waitingFor);
  }

  private wait(reason: string, waitingFor: string[]): void {
    this.waiting = { reason, intent: this.intent };
    this.waitingFor = waitingFor;
    this.transition("waiting", "dependencies", { waitingFor });
  }

  private failDependency(v: Extract<GateVerdict, { kind: "failed" }>): void {
    const { dependency, condition, state } = v;
    this.waiting = null;
    this.lastError = `dependency ${dependency} cannot become ${condition}: it is ${state ?? "not defined"}`;
    this.transition("failed", "dependency_failed", { dependency, condition, state, error: this.lastError });
  }

  private requireState(allowed: ProcessState[], action: string): void {
    if (!allowed.includes(this.state) || !this.run) {
      throw new TendError("INVALID_STATE", `cannot ${action} ${this.name}: it is ${this.state}`);
    }
  }
}
