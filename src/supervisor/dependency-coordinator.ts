import { parseReplicaName } from "../config/names.ts";
import type { Dependency, ProcessSpec } from "../config/process-spec.ts";
import { errorMessage, TendError } from "../errors.ts";
import { evaluateCondition, evaluateDependencies, type GateVerdict } from "./dependencies.ts";
import { membersOf } from "./replica-sets.ts";
import type { Unit } from "./unit/unit.ts";

// Runs the dependency rules over the supervisor's units: the gate a unit asks before it spawns,
// starting what a process depends on, waking waiting units when anything changes, and the
// order of a shutdown (dependents before their dependencies). The rules themselves are the
// pure ones in dependencies.ts. Units tell it of changes directly, not through the event bus,
// so nothing that happens to events (a failing store, a subscriber) can leave a unit waiting.
export class DependencyCoordinator {
  private recheckQueued = false;
  private shutdownOrder: Map<string, string[]> | null = null;
  private readonly turns = new Map<string, Promise<void>>();
  private shutdownUnits = new Map<string, Unit>();

  constructor(
    private readonly units: ReadonlyMap<string, Unit>,
    private readonly report: (message: string) => void,
  ) {}

  gate(spec: ProcessSpec): GateVerdict {
    return evaluateDependencies(this.expanded(spec), (name) => this.units.get(name)?.view ?? null);
  }

  // A dependency on a replicated process is one on each of its copies ("started" and "healthy"
  // mean every replica); one on nothing stays as written (and is never met).
  private expanded(spec: ProcessSpec): Dependency[] {
    return spec.dependsOn.flatMap((d) => {
      const members = membersOf(this.units, d.name);
      return members.length === 0 ? [d] : members.map((m) => ({ name: m.name, condition: d.condition }));
    });
  }

  // Starts `u` and, first, whatever it depends on that is neither met nor on its way (and what
  // those depend on). Returns the names of the dependencies it started.
  start(u: Unit, reason: string): { started: string[]; done: Promise<void> } {
    const started = this.startDependencies(u);
    return { started, done: u.start(reason) };
  }

  startDependencies(u: Unit, started: string[] = [], seen = new Set<string>([u.name])): string[] {
    for (const d of this.expanded(u.spec)) {
      const dep = this.units.get(d.name);
      if (!dep || seen.has(d.name) || dep.isActive) continue;
      if (evaluateCondition(d.condition, dep.view) === "met") continue;
      seen.add(d.name);
      started.push(d.name);
      this.startDependencies(dep, started, seen);
      // The dependent waits for it; a refusal shows there as a failed dependency.
      dep
        .start("dependency")
        .catch((err) => this.report(`starting ${d.name} for ${u.name}: ${errorMessage(err)}`));
    }
    return started;
  }

  // Names a run-time process depends on that do not exist.
  unknown(spec: ProcessSpec): string[] {
    return spec.dependsOn
      .filter((d) => d.name === spec.name || membersOf(this.units, d.name).length === 0)
      .map((d) => d.name);
  }

  // The processes that depend on `name`.
  dependentsOf(name: string): string[] {
    return dependentsAmong(this.units.values())(name);
  }

  // A process another depends on cannot be removed: it would leave the dependent stranded.
  refuseRemoving(name: string): void {
    const dependents = this.dependentsOf(name);
    if (dependents.length === 0) return;
    const many = dependents.length > 1;
    throw new TendError(
      "INVALID_STATE",
      `cannot remove ${name}: ${dependents.join(", ")} ${many ? "depend" : "depends"} on it; remove ${many ? "those" : "it"} first`,
    );
  }

  // A unit changed: a waiting one may be able to go. Batched into one pass after the burst.
  changed = (): void => {
    if (this.recheckQueued) return;
    this.recheckQueued = true;
    queueMicrotask(() => {
      this.recheckQueued = false;
      for (const u of this.units.values()) {
        if (u.phase !== "waiting") continue;
        try {
          u.recheck();
        } catch (err) {
          // The others still get their turn; this one is told again at the next change.
          this.report(`rechecking ${u.name}: ${errorMessage(err)}`);
        }
      }
    });
  };

  // Fixes the order of a shutdown: each unit's stop waits for the units that depend on it,
  // `leaving` too (removed, still stopping). An edge that would close a cycle is dropped (a cycle
  // has no order to keep).
  beginShutdown(leaving: Iterable<Unit> = []): void {
    const all = new Map(this.units);
    for (const u of leaving) if (!all.has(u.name)) all.set(u.name, u);
    const dependents = dependentsAmong(all.values());
    const order = new Map<string, string[]>();
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string) => {
      if (state.has(name)) return;
      state.set(name, "visiting");
      const after: string[] = [];
      for (const d of dependents(name)) {
        if (state.get(d) === "visiting") continue;
        visit(d);
        after.push(d);
      }
      order.set(name, after);
      state.set(name, "done");
    };
    for (const name of all.keys()) visit(name);
    this.shutdownOrder = order;
    this.shutdownUnits = all;
  }

  // Resolves once every unit that must stop before `name` has, however far down the chain: a
  // finished task between two running processes does not let the lower one go first.
  stopTurn = (name: string): Promise<void> => {
    const turns = this.turns;
    const known = turns.get(name);
    if (known) return known;
    const before = this.shutdownOrder?.get(name) ?? [];
    const turn = Promise.all(
      before.map((d) => Promise.all([this.stopTurn(d), this.shutdownUnits.get(d)?.whenRetired()])),
    ).then(() => undefined);
    turns.set(name, turn);
    return turn;
  };
}

// Who depends on what among `units`: for a name, the units whose depends_on names it, or, for a
// copy of a replicated process, the name of the whole; in the order of `units`. Gathered once,
// so a shutdown of hundreds looks each name up instead of scanning every unit for every unit.
function dependentsAmong(units: Iterable<Unit>): (name: string) => string[] {
  const names: string[] = [];
  const namedBy = new Map<string, Set<string>>();
  for (const u of units) {
    names.push(u.name);
    for (const d of u.spec.dependsOn) {
      const set = namedBy.get(d.name) ?? new Set<string>();
      set.add(u.name);
      namedBy.set(d.name, set);
    }
  }
  return (name) => {
    const of = parseReplicaName(name)?.of;
    const hit = new Set([...(namedBy.get(name) ?? []), ...((of && namedBy.get(of)) || [])]);
    return hit.size === 0 ? [] : names.filter((n) => hit.has(n));
  };
}
