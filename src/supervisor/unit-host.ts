import type { RecordKeeper } from "../store/record-keeper.ts";
import type { DependencyCoordinator } from "./dependency-coordinator.ts";
import type { EventBus } from "./event-bus.ts";
import type { ReloadTarget } from "./reload-plan.ts";
import type { ReplicaHost } from "./replica-sets.ts";
import type { RuntimeHost } from "./runtime-processes.ts";
import { Unit, type UnitDeps } from "./unit/unit.ts";
import { supervisorEvent } from "./wiring.ts";

// How reloads, `tend scale` and run-time processes make, start and retire units: one view of
// the supervisor for all three.
export type UnitHost = ReloadTarget & ReplicaHost & RuntimeHost;

export function unitHost(o: {
  units: Map<string, Unit>;
  unitDeps: UnitDeps;
  dependencies: DependencyCoordinator;
  records: RecordKeeper;
  bus: EventBus;
  shuttingDown: () => boolean;
  retire: (u: Unit) => Promise<void>;
}): UnitHost {
  const clock = o.unitDeps.clock;
  return {
    units: o.units,
    unitDeps: o.unitDeps,
    dependencies: o.dependencies,
    records: o.records,
    clock,
    retire: o.retire,
    // A unit made after a shutdown began (a reload that was under way) is retired at once:
    // the shutdown never saw it, so it must never run.
    create: (spec) => {
      const u = new Unit(spec, "config", o.unitDeps);
      if (o.shuttingDown()) void u.shutdown();
      return u;
    },
    start: (u: Unit, reason = "reload") => o.dependencies.start(u, reason).done,
    subscribe: (l) => o.bus.subscribe(l),
    emit: (type, process, details) => o.bus.emit(supervisorEvent({ clock }, type, details, process)),
  };
}
