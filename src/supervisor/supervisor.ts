import type { AlertRule } from "../alerts/alert-rule.ts";
import type { Config } from "../config/load.ts";
import { nameProblem } from "../config/names.ts";
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
import { TendError } from "../errors.ts";
import type { Family } from "../metrics/prometheus.ts";
import type { ProcessMetrics, SamplerStats } from "../metrics/sampler.ts";
import type { TreeRoot } from "../metrics/tree-sample.ts";
import { ScheduleStats } from "../probes/schedule-stats.ts";
import { requireSignal } from "../proc/signals.ts";
import { VERSION } from "../version.ts";
import { DependencyCoordinator } from "./dependency-coordinator.ts";
import { EventBus } from "./event-bus.ts";
import { MemoryGuard } from "./memory-guard.ts";
import { ProcessUnit, type UnitDeps } from "./process-unit.ts";
import { applyReload, planReload } from "./reload-plan.ts";
import { checkAdded, startingProcesses } from "./runtime-processes.ts";
import type { SupervisorDeps } from "./supervisor-deps.ts";
import { noteSample, runningRoots, unitFamilies } from "./unit-metrics.ts";

// Owns the units and answers the API. Processes come from the config file or were added at run
// time (persisted in the store, surviving restarts and reloads).
export class Supervisor implements Control {
  readonly bus: EventBus;
  private config: Config;
  private readonly units = new Map<string, ProcessUnit>();
  private readonly unitDeps: UnitDeps;
  private readonly startedAt: number;
  private readonly startedAtMs: number;
  private shuttingDown: Promise<void> | null = null;
  private readonly dependencies = new DependencyCoordinator(this.units);
  private readonly probeStats = new ScheduleStats();
  private readonly memoryGuard = new MemoryGuard();

  constructor(
    config: Config,
    private readonly deps: SupervisorDeps,
  ) {
    this.config = config;
    this.bus = new EventBus(deps.store);
    this.unitDeps = {
      clock: deps.clock,
      store: deps.store,
      bus: this.bus,
      launcher: deps.launcher,
      random: deps.random,
      lines: deps.lines ?? deps.logs.lines,
      checks: deps.checks,
      scheduleStats: this.probeStats,
      gate: (spec) => this.dependencies.gate(spec),
      usage: (name) => deps.metrics?.get(name) ?? null,
      halted: () => this.shuttingDown !== null,
    };
    this.bus.subscribe(this.dependencies.onEvent);
    // The sampler sleeps while nothing runs; a start wakes it.
    this.bus.subscribe((e) => {
      if (e.type === "process.running") deps.metrics?.wake();
    });
    this.startedAt = deps.clock.wallMs();
    this.startedAtMs = deps.clock.nowMs();
    for (const { spec, source } of startingProcesses(config, deps.store.runtimeProcesses()))
      this.units.set(spec.name, new ProcessUnit(spec, source, this.unitDeps));
  }

  async startAll(): Promise<void> {
    this.bus.emit(this.event("supervisor.started", null, { pid: process.pid, version: VERSION }));
    // Each process starts what it depends on; a dependent waits (state `waiting`) for its turn.
    await Promise.all(
      [...this.units.values()]
        .filter((u) => u.spec.autostart)
        .map((u) => this.dependencies.start(u, "autostart").done),
    );
  }

  // The [[alerts]] of the config last loaded (at start or by the latest reload).
  get alertRules(): AlertRule[] {
    return this.config.alerts;
  }

  info(): SupervisorInfo {
    const s = this.config.supervisor;
    return {
      pid: process.pid,
      version: VERSION,
      startedAt: this.startedAt,
      uptimeMs: Math.round(this.deps.clock.nowMs() - this.startedAtMs),
      configPath: this.config.file,
      socketPath: s.socketPath,
      stateDir: s.stateDir,
      logDir: s.logDir,
      processes: this.units.size,
    };
  }

  list(): ProcessSnapshot[] {
    return [...this.units.values()].map((u) => u.snapshot());
  }

  get(name: string): ProcessDetail {
    return this.unit(name).detail(this.deps.store.runs(name, 10));
  }

  async add(body: unknown): Promise<ProcessSnapshot> {
    this.refuseWhileShuttingDown();
    const { name, raw, spec } = checkAdded(
      body,
      (n) => this.units.has(n),
      (p) => this.dependencies.unknown(p),
    );
    this.deps.store.saveRuntimeProcess(name, raw, this.deps.clock.wallMs());
    const unit = new ProcessUnit(spec, "runtime", this.unitDeps);
    this.units.set(name, unit);
    this.bus.emit(this.event("process.added", name, { source: "runtime" }));
    if (spec.autostart) await this.dependencies.start(unit, "requested").done;
    return unit.snapshot();
  }

  async remove(name: string): Promise<void> {
    const u = this.unit(name);
    if (u.source === "config") {
      throw new TendError(
        "PROCESS_FROM_CONFIG",
        `${name} comes from the config file; remove it there and run tend reload`,
      );
    }
    // Out of the map first, so nothing can reach it while its tree is stopped.
    this.units.delete(name);
    this.deps.store.deleteRuntimeProcess(name);
    await this.track(u.retire("removed"));
    this.bus.emit(this.event("process.removed", name, null));
  }

  async start(name: string): Promise<StartResult> {
    this.refuseWhileShuttingDown();
    const u = this.unit(name);
    const { started, done } = this.dependencies.start(u, "requested");
    await done;
    return { ...u.snapshot(), startedDependencies: started };
  }

  async stop(name: string): Promise<ProcessSnapshot> {
    const u = this.unit(name);
    await u.stop("requested");
    return u.snapshot();
  }

  async restart(name: string): Promise<ProcessSnapshot> {
    this.refuseWhileShuttingDown();
    const u = this.unit(name);
    this.dependencies.startDependencies(u);
    await u.restart();
    return u.snapshot();
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

  progress(name: string, fraction: number, message: string | null): ProcessSnapshot {
    return this.act(name, (u) => u.reportProgress(fraction, message));
  }

  history(name: string, limit = 50): RunRecord[] {
    this.unit(name);
    return this.deps.store.runs(name, limit);
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
    return this.deps.store.events(filter);
  }

  probeSchedule(windowMs?: number): ProbeScheduleReport {
    const since = windowMs === undefined ? undefined : this.deps.clock.nowMs() - windowMs;
    return { checks: this.probeStats.total, windowMs: windowMs ?? null, ...this.probeStats.summary(since) };
  }

  subscribe(listener: (e: EventRecord) => void): () => void {
    return this.bus.subscribe(listener);
  }

  // The trees the sampler measures: every unit that has a run.
  metricRoots(): TreeRoot[] {
    return runningRoots(this.units.values());
  }

  onSample(name: string, m: ProcessMetrics): void {
    noteSample(this.memoryGuard, this.units.get(name), m);
  }

  metrics(): Family[] {
    const usage = (name: string) => this.deps.metrics?.get(name) ?? null;
    return unitFamilies(this.units, usage, this.deps.clock.nowMs() - this.startedAtMs);
  }

  metricsSampler(): SamplerStats | null {
    return this.deps.metrics?.stats() ?? null;
  }

  async reload(dryRun: boolean): Promise<ReloadPlan> {
    this.refuseWhileShuttingDown();
    if (!this.config.file)
      throw new TendError("INVALID_STATE", "the supervisor was started without a config file");
    const next = await (this.deps.loadConfig ?? loadConfig)(this.config.file);
    // Checking the file takes a moment (a child process): a shutdown may have begun meanwhile.
    this.refuseWhileShuttingDown();
    const plan = planReload(this.units, next.processes);
    if (dryRun) return plan;
    this.config = { ...next, supervisor: this.config.supervisor };
    await applyReload(plan, next.processes, {
      units: this.units,
      retire: (u) => this.track(u.retire("reload")),
      create: (spec) => new ProcessUnit(spec, "config", this.unitDeps),
      start: (u) => this.dependencies.start(u, "reload").done,
    });
    this.bus.emit(this.event("supervisor.reloaded", null, { ...plan }));
    return plan;
  }

  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.bus.emit(this.event("supervisor.stopping", null, null));
      // Dependents before their dependencies (reverse dependency order).
      await this.dependencies.stopAll("shutdown");
      // Units already out of the map (tend rm, a reload) may still be stopping: wait for them too.
      await Promise.all([...this.retiring]);
      this.bus.emit(this.event("supervisor.stopped", null, null));
    })();
    return this.shuttingDown;
  }

  // Stops of units no longer in the map; shutdown waits for them.
  private readonly retiring = new Set<Promise<void>>();

  private track(p: Promise<void>): Promise<void> {
    this.retiring.add(p);
    const done = () => this.retiring.delete(p);
    p.then(done, done);
    return p;
  }

  private unit(name: string): ProcessUnit {
    const u = this.units.get(name);
    if (u) return u;
    const problem = nameProblem(name);
    if (problem) throw new TendError("BAD_NAME", problem);
    throw new TendError("PROCESS_NOT_FOUND", `no process named "${name}": see tend ps for the list`);
  }

  // Does `action` to the named unit and answers with its state after.
  private act(name: string, action: (u: ProcessUnit) => void): ProcessSnapshot {
    const u = this.unit(name);
    action(u);
    return u.snapshot();
  }

  private refuseWhileShuttingDown(): void {
    if (this.shuttingDown) throw new TendError("SHUTTING_DOWN", "the supervisor is shutting down");
  }

  private event(type: string, process: string | null, details: Record<string, unknown> | null) {
    return { at: this.deps.clock.wallMs(), process, type, state: null, reason: null, details };
  }
}
