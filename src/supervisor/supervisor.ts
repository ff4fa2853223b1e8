import type { AlertRule } from "../alerts/alert-rule.ts";
import type { Config } from "../config/load.ts";
import { processNotFound } from "../config/names.ts";
import { loadConfigOnDemand as loadConfig } from "../config/on-demand.ts";
import type { Acted, Control, EventFilter, LogQuery } from "../domain/control.ts";
import type { ProbeScheduleReport } from "../domain/probes.ts";
import type {
  LogEntry,
  ProcessDetail,
  ReloadPlan,
  ReplicaSet,
  Sample,
  StartResult,
  SupervisorInfo,
} from "../domain/shapes.ts";
import type { EventRecord, ProcessSnapshot, RunRecord } from "../domain/types.ts";
import { TendError } from "../errors.ts";
import type { Family } from "../metrics/prometheus.ts";
import { MIN_SAMPLE_MS, type ProcessMetrics, type SamplerStats } from "../metrics/sampler.ts";
import type { TreeRoot } from "../metrics/tree-sample.ts";
import { ScheduleStats } from "../probes/schedule-stats.ts";
import { requireSignal } from "../proc/signals.ts";
import { type RecordKeeper, storeWarning } from "../store/record-keeper.ts";
import { VERSION } from "../version.ts";
import type { DependencyCoordinator } from "./dependency-coordinator.ts";
import type { EventBus } from "./event-bus.ts";
import { MemoryGuard } from "./memory-guard.ts";
import { OneAtATime } from "./one-at-a-time.ts";
import { clearOf, followAll, followOf, historyOf, tailOf } from "./process-output.ts";
import { reloadFromFile } from "./reload-plan.ts";
import {
  actOnEach,
  answerFor,
  groupState,
  membersOf,
  onEach,
  ReplicaCounts,
  replicaSet,
  rollingRestart,
  scale,
  startEach,
} from "./replica-sets.ts";
import { expandReplicas } from "./replicas.ts";
import { addRuntimeProcess, removeRuntimeProcess, startingProcesses } from "./runtime-processes.ts";
import { SampleKeeper } from "./samples.ts";
import { markCleanShutdown, startAsPlanned } from "./startup.ts";
import type { SupervisorDeps } from "./supervisor-deps.ts";
import { Triggers } from "./triggers.ts";
import { type OverrideChange, OverrideTable } from "./unit/overrides.ts";
import { Unit, type UnitDeps } from "./unit/unit.ts";
import { detailOf, snapshotOf } from "./unit/view.ts";
import { type UnitHost, unitHost } from "./unit-host.ts";
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
  private readonly counts: ReplicaCounts;
  // Reloads, scales and rolling restarts change the set of units one at a time.
  private readonly changes = new OneAtATime();
  private readonly triggers: Triggers;
  private readonly overrides = new OverrideTable();
  private readonly sampleKeeper: SampleKeeper;

  constructor(
    config: Config,
    private readonly deps: SupervisorDeps,
  ) {
    this.config = config;
    const wiring = wire(deps, this.units, this.probeStats);
    this.records = wiring.records;
    this.bus = wiring.bus;
    this.dependencies = wiring.dependencies;
    this.unitDeps = { ...wiring.unitDeps, overrides: (spec) => this.overrides.of(spec) };
    this.started = { at: deps.clock.wallMs(), mono: deps.clock.nowMs() };
    this.counts = new ReplicaCounts(this.records);
    const every = Math.max(MIN_SAMPLE_MS, config.supervisor.metricsIntervalMs);
    this.sampleKeeper = new SampleKeeper(() => this.list(), every, deps.clock);
    this.triggers = new Triggers({
      clock: deps.clock,
      state: (n) => groupState(this.units, n),
      start: (n, reason) => this.start(n, reason),
      restart: (n, reason, which) => this.restartWhere(n, reason, which),
      emit: (type, n, details) => this.bus.emit(this.event(type, n, details)),
      report: (m) => deps.report?.(m),
      watch: deps.watch,
      specs: () => [...this.units.values()].map((u) => u.spec),
      subscribe: (l) => this.bus.subscribe(l),
      shuttingDown: () => this.shuttingDown !== null,
    });
    for (const { spec, source } of startingProcesses(config, deps.store.runtimeProcesses(), (name, error) => {
      deps.report?.(`the stored run-time process ${name} cannot be read; it stays stored: ${error}`);
      this.bus.emit(this.event("supervisor.runtime_process_unreadable", name, { error }));
    }))
      for (const s of expandReplicas([spec], (g) => this.counts.countOf(g)))
        this.units.set(s.name, new Unit(s, source, this.unitDeps));
  }

  // Starts what the config (or, after a crash, the operator's last intent) says should run.
  async startAll(): Promise<void> {
    this.bus.emit(this.event("supervisor.started", null, { pid: process.pid, version: VERSION }));
    this.triggers.follow();
    await startAsPlanned(this.units.values(), this.records, this.dependencies);
  }

  // The [[alerts]] of the config last loaded (at start or by the latest reload).
  get alertRules(): AlertRule[] {
    return this.config.alerts;
  }

  info(): SupervisorInfo {
    return supervisorInfo(this.config, this.units.size, this.records.health(), this.started, this.deps);
  }

  // Reading the processes (ps, status, /metrics) reads their figures: a fresh sample if the last is old.
  list(): ProcessSnapshot[] {
    this.deps.metrics?.watched();
    return [...this.units.values()].map(snapshotOf);
  }

  get(name: string): ProcessDetail | ReplicaSet {
    this.deps.metrics?.watched();
    const members = this.members(name);
    const triggers = this.triggers.info(members[0]?.spec.replica?.of ?? name);
    if (members[0]?.name !== name) return { ...replicaSet(name, members), triggers };
    return detailOf(members[0], this.records.runs(name, 10), storeWarning(this.records.health()), triggers);
  }

  async add(body: unknown): Promise<ProcessSnapshot> {
    this.refuseWhileShuttingDown();
    return snapshotOf(await addRuntimeProcess(this.host("removed"), body));
  }

  async remove(name: string): Promise<void> {
    await removeRuntimeProcess(this.host("removed"), this.unit(name));
  }

  async start(name: string, reason = "requested"): Promise<Acted<StartResult>> {
    this.refuseWhileShuttingDown();
    return startEach(this.dependencies, name, this.members(name), reason);
  }

  // force: SIGKILL to every process of the run at once, also during a stop already under way.
  async stop(name: string, force = false): Promise<Acted> {
    const members = this.members(name);
    await onEach(members, (u) => u.stop("requested", force));
    return answerFor(name, members);
  }

  // A replicated process named as a whole restarts rolling, one copy at a time.
  async restart(name: string, reason = "restart"): Promise<Acted> {
    this.refuseWhileShuttingDown();
    return this.restartOf(name, this.members(name), reason);
  }

  // A trigger's restart: the same, of the copies `which` accepts only.
  private restartWhere(name: string, reason: string, which: (state: string) => boolean) {
    const members = membersOf(this.units, name).filter((u) => which(u.state));
    if (!members.length || this.shuttingDown) return { acted: 0, done: Promise.resolve() };
    return { acted: members.length, done: this.restartOf(name, members, reason) };
  }

  private restartOf(name: string, members: Unit[], reason: string): Promise<Acted> {
    for (const u of members) this.dependencies.startDependencies(u);
    const one = members[0] as Unit;
    if (one.name !== name)
      return this.changes.run(() => rollingRestart(this.host("scaled"), name, members, reason));
    return one.restart(reason).then(() => snapshotOf(one));
  }

  reset(name: string): Acted {
    return actOnEach(name, this.members(name), (u) => u.reset());
  }

  set(name: string, change: OverrideChange): Acted {
    const members = this.members(name);
    const overrides = this.overrides.change(name, change);
    this.bus.emit(this.event("process.overridden", name, { overrides }));
    this.deps.metrics?.wake(); // a max_memory set now needs samples from now on
    return answerFor(name, members);
  }

  async scale(name: string, instances: number): Promise<ReplicaSet> {
    this.refuseWhileShuttingDown();
    this.members(name);
    return this.changes.run(() =>
      scale(this.host("scaled"), this.counts, this.config.processes, name, instances),
    );
  }

  pause(name: string): Acted {
    return actOnEach(name, this.members(name), (u) => u.pause());
  }

  resume(name: string): Acted {
    return actOnEach(name, this.members(name), (u) => u.resume());
  }

  signal(name: string, signal: string): Acted {
    const sig = requireSignal(signal);
    return actOnEach(name, this.members(name), (u) => u.signal(sig));
  }

  // `tend progress` from inside the child: progress belongs to a run, so there must be one.
  progress(name: string, fraction: number, message: string | null): ProcessSnapshot {
    const u = this.unit(name);
    if (!u.run) throw new TendError("INVALID_STATE", `${name} is ${u.state}; it has no run to report on`);
    u.progress.report(fraction, message, "api");
    return snapshotOf(u);
  }

  // Also of a process removed since: its runs stay in the store.
  history(name: string, limit = 50): RunRecord[] {
    return historyOf(this.records, () => this.members(name), name, limit);
  }

  logs(name: string | null, query: LogQuery): LogEntry[] {
    return tailOf(this.deps.logs, name === null ? [...this.units.values()] : this.members(name), query);
  }

  followLogs(
    name: string | null,
    stream: LogQuery["stream"],
    listener: (line: LogEntry) => void,
  ): () => void {
    if (name === null) return followAll(this.deps.logs, stream, listener);
    return followOf(this.deps.logs, this.members(name), stream, listener);
  }

  clearLogs(name: string): void {
    clearOf(this.deps.logs, this.members(name), (n) => this.bus.emit(this.event("logs.cleared", n, null)));
  }

  events(filter: EventFilter): EventRecord[] {
    return this.records.events(filter);
  }

  probeSchedule(windowMs?: number): ProbeScheduleReport {
    return this.probeStats.report(this.deps.clock.nowMs(), windowMs);
  }

  // Someone watches the figures for a while (an event or sample stream): until the release.
  watch(): () => void {
    return this.deps.metrics?.hold() ?? (() => {});
  }

  // A process whose max_memory is enforced needs samples whether anyone watches or not.
  needsSamples(): boolean {
    for (const u of this.units.values()) if (u.run && u.policy.maxMemoryBytes !== null) return true;
    return false;
  }

  samples(): Sample[] {
    return this.sampleKeeper.history();
  }

  followSamples(listener: (s: Sample) => void): () => void {
    return this.sampleKeeper.follow(listener);
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
    this.deps.metrics?.watched();
    const usage = this.unitDeps.usage ?? (() => null);
    return unitFamilies(this.units, usage, Math.round(this.deps.clock.nowMs() - this.started.mono));
  }

  metricsSampler(): SamplerStats | null {
    return this.deps.metrics?.stats() ?? null;
  }

  reload(dryRun: boolean): Promise<ReloadPlan> {
    return reloadFromFile(
      {
        config: this.config,
        load: this.deps.loadConfig ?? loadConfig,
        refuseWhileShuttingDown: () => this.refuseWhileShuttingDown(),
        apply: (change) => this.changes.run(() => change(this.host("reload"), this.counts)),
        commit: (next) => {
          this.config = { ...next, supervisor: this.config.supervisor };
          this.overrides.clear(); // `tend set` lasts until a reload
        },
        emit: (type, details) => this.bus.emit(this.event(type, null, details)),
      },
      dryRun,
    );
  }

  // What reloads, `tend scale` and run-time processes need to make, start and retire units.
  private host(retireReason: string): UnitHost {
    return unitHost({
      units: this.units,
      unitDeps: this.unitDeps,
      dependencies: this.dependencies,
      records: this.records,
      bus: this.bus,
      shuttingDown: () => this.shuttingDown !== null,
      retire: (u) => this.track(u, retireReason),
    });
  }

  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.bus.emit(this.event("supervisor.stopping", null, null));
      this.triggers.close();
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

  private track(u: Unit, reason: string): Promise<void> {
    this.retiring.add(u);
    return u.retire(reason).finally(() => this.retiring.delete(u));
  }

  private unit(name: string): Unit {
    const u = this.units.get(name);
    if (!u) throw processNotFound(name);
    return u;
  }

  // The named process, or every copy of a replicated one named as a whole.
  private members(name: string): Unit[] {
    const members = membersOf(this.units, name);
    if (members.length === 0) throw processNotFound(name);
    return members;
  }

  private refuseWhileShuttingDown(): void {
    if (this.shuttingDown) throw new TendError("SHUTTING_DOWN", "the supervisor is shutting down");
  }

  private event(type: string, process: string | null, details: Record<string, unknown> | null) {
    return supervisorEvent(this.deps, type, details, process);
  }
}
