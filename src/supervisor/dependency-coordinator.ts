import { type DependencyGraph, dependentsOf } from "../config/dependency-graph.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { EventRecord } from "../domain/types.ts";
import { evaluateCondition, evaluateDependencies, type GateVerdict } from "./dependencies.ts";
import type { ProcessUnit } from "./process-unit.ts";

// Runs the dependency rules over the supervisor's units: the gate a unit asks before it spawns,
// starting what a process depends on, waking waiting units when anything changes, and stopping
// dependents before their dependencies. The rules themselves are the pure ones in dependencies.ts.
export class DependencyCoordinator {
  private recheckQueued = false;

  constructor(private readonly units: ReadonlyMap<string, ProcessUnit>) {}

  gate(spec: ProcessSpec): GateVerdict {
    return evaluateDependencies(spec.dependsOn, (name) => this.units.get(name)?.view ?? null);
  }

  // Starts `u` and, first, whatever it depends on that is neither met nor on its way (and what
  // those depend on). Returns the names of the dependencies it started.
  start(u: ProcessUnit, reason: string): { started: string[]; done: Promise<void> } {
    const started = this.startDependencies(u);
    return { started, done: u.start(reason) };
  }

  startDependencies(u: ProcessUnit, started: string[] = [], seen = new Set<string>([u.name])): string[] {
    for (const d of u.spec.dependsOn) {
      const dep = this.units.get(d.name);
      if (!dep || seen.has(d.name) || dep.isActive) continue;
      if (evaluateCondition(d.condition, dep.view) === "met") continue;
      seen.add(d.name);
      started.push(d.name);
      this.startDependencies(dep, started, seen);
      void dep.start("dependency").catch(() => {});
    }
    return started;
  }

  // Names a run-time process depends on that do not exist.
  unknown(spec: ProcessSpec): string[] {
    return spec.dependsOn.filter((d) => d.name === spec.name || !this.units.has(d.name)).map((d) => d.name);
  }

  // Event listener: a process changed state or health, so a waiting unit may be able to go.
  // Rechecks are batched into one pass after the current burst of events.
  onEvent = (e: EventRecord): void => {
    if (e.process === null || this.recheckQueued) return;
    if (!e.type.startsWith("process.") && e.type !== "health.changed") return;
    this.recheckQueued = true;
    queueMicrotask(() => {
      this.recheckQueued = false;
      for (const u of this.units.values()) {
        try {
          if (u.state === "waiting") u.recheck();
        } catch {
          // One unit's failure to start is its own event; the others still get their turn.
        }
      }
    });
  };

  // Stops every unit, each only after everything that depends on it has stopped; independent
  // ones in parallel.
  stopAll(reason: string): Promise<void> {
    const dependents = dependentsOf(this.graph());
    const stops = new Map<string, Promise<void>>();
    const visiting = new Set<string>();
    const stopOne = (name: string): Promise<void> => {
      const known = stops.get(name);
      if (known) return known;
      if (visiting.has(name)) return Promise.resolve(); // a cycle has no order to keep
      visiting.add(name);
      const before = (dependents.get(name) ?? []).map(stopOne);
      const p = Promise.all(before).then(() => this.units.get(name)?.stop(reason));
      stops.set(name, p);
      return p;
    };
    return Promise.all([...this.units.keys()].map(stopOne)).then(() => undefined);
  }

  graph(): DependencyGraph {
    return new Map([...this.units].map(([name, u]) => [name, u.spec.dependsOn.map((d) => d.name)]));
  }
}
