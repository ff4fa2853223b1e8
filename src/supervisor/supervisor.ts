import type { AlertRule } from "../alerts/alert-rule.ts";
import type { Config } from "../config/load.ts";
import { processNotFound } from "../config/names.ts";
import { loadConfigOnDemand as loadConfig } from "../config/on-demand.ts";
import type {
  Control,
  EventFilter,
  LogEntry,
  LogQuery,
  ProcessDetail,
  ReloadPlan,
  StartResult,
  SupervisorInfo,
} from "../domain/control.ts";
import type { ProbeScheduleReport } from "../domain/probes.ts";
import type { EventRecord, ProcessSnapshot, RunRecord } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import type { Family } from "../metrics/prometheus.ts";
import type { ProcessMetrics, SamplerStats } from "../metrics/sampler.ts";
import type { TreeRoot } from "../metrics/tree-sample.ts";
import { ScheduleStats } from "../probes/schedule-stats.ts";
import { requireSignal } from "../proc/signals.ts";
import { type RecordKeeper, storeWarning } from "../store/record-keeper.ts";
import { VERSION } from "../version.ts";
import type { DependencyCoordinator } from "./dependency-coordinator.ts";
import type { EventBus } from "./event-bus.ts";
import { MemoryGuard } from "./memory-guard.ts";
import { applyReload, planReload, type ReloadTarget } from "./reload-plan.ts";
import { checkAdded, startingProcesses } from "./runtime-processes.ts";
import { markCleanShutdown, startAsPlanned } from "./startup.ts";
import type { SupervisorDeps } from "./supervisor-deps.ts";
import { Unit, type UnitDeps } from "./unit/unit.ts";
import { detailOf, snapshotOf } from "./unit/view.ts";
import { noteSample, runningRoots, unitFamilies } from "./unit-metrics.ts";
import { supervisorEvent, supervisorInfo, wire } from "./wiring.ts";

// Owns the units and answers the API. Processes come from the config file or were added at run
// time (persisted in the store, surviving restarts and reloads).
export class Supervisor implements Control {
  readonly bus: EventBus;
  readonly records: RecordKeeper;
  private config: Config;
  private readonly units = new Map<string, Unit>();
  private readonly unitDeps: UnitDeps;
  private readonly started: { at: number; mono: number };
  private shuttingDown: Promise<void> | null = null;
  private readonly dependencies: DependencyCoordinator;
  private readonly probeStats = new ScheduleStats();
  private readonly memoryGuard = new MemoryGuard();
  // Units no longer in the map (tend rm, a reload) while they stop; shutdown waits for them.
  private readonly retiring = new Set<Unit>();

  constructor(
    config: Config,
    private readonly deps: SupervisorDeps,
  ) {
    this.config = config;
    const wiring = wire(deps, this.units, this.probeStats);
    this.records = wiring.records;
    this.bus = wiring.bus;
    this.dependencies = wiring.dependencies;
    this.unitDeps = wiring.unitDeps;
    this.started = { at: deps.clock.wallMs(), mono: deps.clock.nowMs() };
    for (const { spec, source } of startingProcesses(config, deps.store.runtimeProcesses(), (name, error) => {
      deps.report?.(`the stored run-time process ${name} cannot be read; it stays stored: ${error}`);
      this.bus.emit(this.event("supervisor.runtime_process_unreadable", name, { error }));
    }))
      this.units.set(spec.name, new Unit(spec, source, this.unitDeps));
  }

  // Starts what the config (or, after a crash, the operator's last intent) says should run.
  async startAll(): Promise<void> {
    this.bus.emit(this.event("supervisor.started", null, { pid: process.pid, version: VERSION }));
    await startAsPlanned(this.units.values(), this.records, this.dependencies);
  }

  // The [[alerts]] of the config last loaded (at start or by the latest reload).
  get alertRules(): AlertRule[] {
    return this.config.alerts;
  }

  info(): SupervisorInfo {
    return supervisorInfo(this.config, this.units.size, this.records.health(), this.started, this.deps);
  }

  list(): ProcessSnapshot[] {
    return [...this.units.values()].map(snapshotOf);
  }

  get(name: string): ProcessDetail {
    return detailOf(this.unit(name), this.records.runs(name, 10), storeWarning(this.records.health()));
  }

  async add(body: unknown): Promise<ProcessSnapshot> {
    this.refuseWhileShuttingDown();
    const { name, raw, spec } = checkAdded(
      body,
      (n) => this.units.has(n),
      (p) => this.dependencies.unknown(p),
    );
    this.records.saveRuntimeProcess(name, raw, this.deps.clock.wallMs());
    const unit = new Unit(spec, "runtime", this.unitDeps);
    this.units.set(name, unit);
    this.bus.emit(this.event("process.added", name, { source: "runtime" }));
    if (spec.autostart) await this.dependencies.start(unit, "requested").done;
    return snapshotOf(unit);
  }

  async remove(name: string): Promise<void> {
    const u = this.unit(name);
    if (u.source === "config") {
      throw new TendError(
        "PROCESS_FROM_CONFIG",
        `${name} comes from the config file; remove it there and run tend reload`,
      );
    }
    this.dependencies.refuseRemoving(name);
    // Out of the map first, so nothing can reach it while its tree is stopped.
    this.units.delete(name);
    this.records.deleteRuntimeProcess(name);
    await this.track(u, "removed");
    this.bus.emit(this.event("process.removed", name, null));
  }

  async start(name: string): Promise<StartResult> {
    this.refuseWhileShuttingDown();
    const u = this.unit(name);
    const { started, done } = this.dependencies.start(u, "requested");
    await done;
    return { ...snapshotOf(u), startedDependencies: started };
  }

  async stop(name: string): Promise<ProcessSnapshot> {
    const u = this.unit(name);
    await u.stop("requested");
    return snapshotOf(u);
  }

  async restart(name: string): Promise<ProcessSnapshot> {
    this.refuseWhileShuttingDown();
    const u = this.unit(name);
    this.dependencies.startDependencies(u);
    await u.restart();
    return snapshotOf(u);
  }

  pause(name: string): ProcessSnapshot {
    return this.act(name, (u) => u.pause());
  }

  resume(name: string): ProcessSnapshot {
    return this.act(name, (u) => u.resume());
  }

  signal(name: string, signal: string): ProcessSnapshot {
    const sig = requireSignal(signal);
    return this.act(name, (u) => u.signal(sig));
  }

  // `tend progress` from inside the child: progress belongs to a run, so there must be one.
  progress(name: string, fraction: number, message: string | null): ProcessSnapshot {
    return this.act(name, (u) => {
      if (!u.run) throw new TendError("INVALID_STATE", `${name} is ${u.state}; it has no run to report on`);
      u.progress.report(fraction, message, "api");
    });
  }

  // Also of a process removed since: its runs stay in the store.
  history(name: string, limit = 50): RunRecord[] {
    const runs = this.records.runs(name, limit);
    if (runs.length === 0) this.unit(name);
    return runs;
  }

  logs(name: string, query: LogQuery): LogEntry[] {
    this.unit(name);
    return this.deps.logs.tail(name, query.lines, query.stream);
  }

  followLogs(name: string, stream: LogQuery["stream"], listener: (line: LogEntry) => void): () => void {
    this.unit(name);
    return this.deps.logs.follow(name, listener, stream);
  }

  clearLogs(name: string): void {
    const u = this.unit(name);
    this.deps.logs.for(name, u.spec.logs).clear();
    this.bus.emit(this.event("logs.cleared", name, null));
  }

  events(filter: EventFilter): EventRecord[] {
    return this.records.events(filter);
  }

  probeSchedule(windowMs?: number): ProbeScheduleReport {
    return this.probeStats.report(this.deps.clock.nowMs(), windowMs);
  }

  subscribe(listener: (e: EventRecord) => void): () => void {
    return this.bus.subscribe(listener);
  }

  // The trees the sampler measures: every unit whose run's leader lives.
  metricRoots(): TreeRoot[] {
    return runningRoots(this.units.values(), (runId) => this.deps.launcher.tracking.cgroupOf(runId));
  }

  onSample(name: string, m: ProcessMetrics): void {
    noteSample(this.memoryGuard, this.units.get(name), m);
  }

  metrics(): Family[] {
    const usage = this.unitDeps.usage ?? (() => null);
    return unitFamilies(this.units, usage, this.uptimeMs());
  }

  metricsSampler(): SamplerStats | null {
    return this.deps.metrics?.stats() ?? null;
  }

  async reload(dryRun: boolean): Promise<ReloadPlan> {
    this.refuseWhileShuttingDown();
    try {
      if (!this.config.file)
        throw new TendError("INVALID_STATE", "the supervisor was started without a config file");
      const next = await (this.deps.loadConfig ?? loadConfig)(this.config.file);
      // Checking the file takes a moment (a child process): a shutdown may have begun meanwhile.
      this.refuseWhileShuttingDown();
      const plan = planReload(this.units, next.processes);
      if (dryRun) return plan;
      this.config = { ...next, supervisor: this.config.supervisor };
      await applyReload(plan, next.processes, this.reloadTarget());
      this.bus.emit(this.event("supervisor.reloaded", null, { ...plan }));
      return plan;
    } catch (err) {
      if (!dryRun) this.bus.emit(this.event("supervisor.reload_failed", null, { error: errorMessage(err) }));
      throw err;
    }
  }

  private reloadTarget(): ReloadTarget {
    return {
      units: this.units,
      retire: (u) => this.track(u, "reload"),
      // A unit made after a shutdown began (a reload that was under way) is retired at once:
      // the shutdown never saw it, so it must never run.
      create: (spec) => {
        const u = new Unit(spec, "config", this.unitDeps);
        if (this.shuttingDown) void u.shutdown();
        return u;
      },
      start: (u) => this.dependencies.start(u, "reload").done,
    };
  }

  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.bus.emit(this.event("supervisor.stopping", null, null));
      // Nothing starts from now on; each run stops once its dependents' runs are gone.
      this.dependencies.beginShutdown(this.retiring);
      await Promise.all([...this.units.values()].map((u) => u.shutdown()));
      // Units already out of the map (tend rm, a reload) may still be stopping: wait for them too.
      await Promise.all([...this.retiring].map((u) => u.whenRetired()));
      this.bus.emit(this.event("supervisor.stopped", null, null));
      markCleanShutdown(this.records);
    })();
    return this.shuttingDown;
  }

  private uptimeMs(): number {
    return Math.round(this.deps.clock.nowMs() - this.started.mono);
  }

  private track(u: Unit, reason: string): Promise<void> {
    this.retiring.add(u);
    return u.retire(reason).finally(() => this.retiring.delete(u));
  }

  private unit(name: string): Unit {
    const u = this.units.get(name);
    if (!u) throw processNotFound(name);
    return u;
  }

  // Does `action` to the named unit and answers with its state after.
  private act(name: string, action: (u: Unit) => void): ProcessSnapshot {
    const u = this.unit(name);
    action(u);
    return snapshotOf(u);
  }

  private refuseWhileShuttingDown(): void {
    if (this.shuttingDown) throw new TendError("SHUTTING_DOWN", "the supervisor is shutting down");
  }

  private event(type: string, process: string | null, details: Record<string, unknown> | null) {
    return supervisorEvent(this.deps, type, details, process);
  }
}
