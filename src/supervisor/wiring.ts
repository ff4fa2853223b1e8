import type { Config } from "../config/load.ts";
import type { SupervisorInfo } from "../domain/shapes.ts";
import type { ScheduleStats } from "../probes/schedule-stats.ts";
import { RecordKeeper, type StoreHealth } from "../store/record-keeper.ts";
import type { NewEvent } from "../store/store.ts";
import { VERSION } from "../version.ts";
import { DependencyCoordinator } from "./dependency-coordinator.ts";
import { EventBus } from "./event-bus.ts";
import type { SupervisorDeps } from "./supervisor-deps.ts";
import { runMarker } from "./tracking.ts";
import type { Unit, UnitDeps } from "./unit/unit.ts";

export interface Wiring {
  records: RecordKeeper;
  bus: EventBus;
  dependencies: DependencyCoordinator;
  unitDeps: UnitDeps;
}

// How the supervisor's parts are joined: every record through one keeper (a failing store is
// reported, once when it fails and once when it works again, and never stops supervision),
// every event through one bus, every unit on the same dependencies.
export function wire(deps: SupervisorDeps, units: Map<string, Unit>, probeStats: ScheduleStats): Wiring {
  const report = deps.report ?? (() => {});
  const emit = (type: string, details: Record<string, unknown>) =>
    bus.emit(supervisorEvent(deps, type, details));
  const records = new RecordKeeper(deps.store, {
    clock: deps.clock,
    onFailing: (error) => {
      report(`the store failed; supervision goes on and the records wait: ${error}`);
      emit("supervisor.store_failed", { error });
    },
    onRecovered: (written, droppedEvents) => {
      report(`the store works again: ${written} waiting records written, ${droppedEvents} events dropped`);
      emit("supervisor.store_recovered", { written, droppedEvents });
    },
  });
  const bus: EventBus = new EventBus(records, (error, failures, e) =>
    report(`an event subscriber failed on ${e.type} (${failures} times so far): ${error}`),
  );
  const dependencies = new DependencyCoordinator(units, report);
  const unitDeps: UnitDeps = {
    clock: deps.clock,
    records,
    bus,
    launcher: deps.launcher,
    random: deps.random,
    lines: deps.lines ?? deps.logs.lines,
    checks: deps.checks,
    scheduleStats: probeStats,
    gate: (spec) => dependencies.gate(spec),
    usage: (name, runId) => deps.metrics?.get(name, runMarker(runId)) ?? null,
    stopTurn: dependencies.stopTurn,
    changed: dependencies.changed,
    report,
  };
  // The sampler sleeps while nothing runs; a start wakes it, and so does a forking service's
  // main process taken on (the run had no live leader for a moment: the sampler may have slept).
  bus.subscribe((e) => {
    if (e.type === "run.started" || e.type === "run.forked") deps.metrics?.wake();
  });
  return { records, bus, dependencies, unitDeps };
}

export function supervisorEvent(
  deps: Pick<SupervisorDeps, "clock">,
  type: string,
  details: Record<string, unknown> | null,
  process: string | null = null,
): NewEvent {
  return { at: deps.clock.wallMs(), process, type, state: null, reason: null, details };
}

// What GET /v1/health says of the supervisor itself.
export function supervisorInfo(
  config: Config,
  processes: number,
  store: StoreHealth,
  started: { at: number; mono: number },
  deps: Pick<SupervisorDeps, "clock" | "launcher">,
): SupervisorInfo {
  const s = config.supervisor;
  return {
    pid: process.pid,
    version: VERSION,
    startedAt: started.at,
    uptimeMs: Math.round(deps.clock.nowMs() - started.mono),
    configPath: config.file,
    socketPath: s.socketPath,
    stateDir: s.stateDir,
    logDir: s.logDir,
    processes,
    store,
    tracking: deps.launcher.tracking.describe,
    environment: config.environment,
  };
}
