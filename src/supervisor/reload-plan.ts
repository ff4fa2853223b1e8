import type { ProcessSpec } from "../config/process-spec.ts";
import type { ReloadPlan } from "../domain/control.ts";
import type { ProcessSource } from "../domain/types.ts";
import { TendError } from "../errors.ts";
import { expandReplicas } from "./replicas.ts";
import type { Unit } from "./unit/unit.ts";

// What a reload will do: processes of the new config that are new, gone, changed or the same.
// Run-time processes are never removed by a reload; one the config now names is replaced.
export function planReload(
  current: Map<string, { source: ProcessSource; spec: ProcessSpec }>,
  next: ProcessSpec[],
): ReloadPlan {
  const plan: ReloadPlan = { added: [], removed: [], changed: [], unchanged: [], applied: false };
  const nextNames = new Set(next.map((p) => p.name));
  for (const [name, u] of current) if (u.source === "config" && !nextNames.has(name)) plan.removed.push(name);
  for (const spec of next) {
    const u = current.get(spec.name);
    if (!u) plan.added.push(spec.name);
    else if (u.source === "runtime" || !sameSpec(u.spec, spec)) plan.changed.push(spec.name);
    else plan.unchanged.push(spec.name);
  }
  refuseOrphaningReload(plan, current);
  return plan;
}

// Two specs are the same run if everything but the raw text is equal.
function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  const { raw: _a, ...restA } = a;
  const { raw: _b, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}

// A reload may not take away a process that a remaining one depends on (the config's own
// processes are checked by the config; run-time ones can depend on config processes).
function refuseOrphaningReload(
  plan: ReloadPlan,
  units: Map<string, { source: ProcessSource; spec: ProcessSpec }>,
): void {
  const removed = new Set(plan.removed);
  for (const [name, u] of units) {
    if (removed.has(name) || u.source !== "runtime" || plan.changed.includes(name)) continue;
    const lost = u.spec.dependsOn.find((d) => removed.has(d.name));
    if (lost)
      throw new TendError(
        "CONFIG_INVALID",
        `the new config removes ${lost.name}, which ${name} depends on; nothing changed (remove ${name} first with tend rm)`,
      );
  }
}

// What applying a plan needs of the supervisor.
export interface ReloadTarget {
  units: Map<string, Unit>;
  // Stops a unit already taken out of `units` (shutdown waits for it).
  retire(unit: Unit): Promise<void>;
  // A unit for a process the config now names, not yet started.
  create(spec: ProcessSpec): Unit;
  // Starts a new unit once what it depends on is up.
  start(unit: Unit): Promise<void>;
}

// Carries out `plan`: removed processes are stopped first, then changed ones take their new
// spec (restarted if they were active or start on their own) and added ones are started.
export async function applyReload(
  plan: ReloadPlan,
  next: ProcessSpec[],
  target: ReloadTarget,
): Promise<void> {
  const nextByName = new Map(next.map((p) => [p.name, p]));
  const removed = plan.removed.map((n) => target.units.get(n) as Unit);
  for (const n of plan.removed) target.units.delete(n);
  await Promise.all(removed.map((u) => target.retire(u)));
  const work: Promise<void>[] = [];
  for (const n of plan.changed) {
    const u = target.units.get(n) as Unit;
    const wasActive = u.isActive;
    u.spec = nextByName.get(n) as ProcessSpec;
    // The running copy stops as it began (its own spec); the next run starts with the new one.
    // A process the operator stopped stays stopped: a reload never undoes a stop.
    if (u.intent !== "stopped" && (wasActive || u.spec.autostart)) work.push(u.restart("reload"));
  }
  for (const n of plan.added) {
    const u = target.create(nextByName.get(n) as ProcessSpec);
    target.units.set(n, u);
    if (u.spec.autostart) work.push(target.start(u));
  }
  await Promise.all(work);
  plan.applied = true;
}

// A reload of the units to `next` (replicated processes as their copies, as many as `countOf`
// says): planned, and unless `dryRun` carried out.
export async function reloadUnits(
  target: ReloadTarget,
  next: ProcessSpec[],
  dryRun: boolean,
  countOf: (spec: ProcessSpec) => number,
): Promise<ReloadPlan> {
  const specs = expandReplicas(next, countOf);
  const plan = planReload(target.units, specs);
  if (!dryRun) await applyReload(plan, specs, target);
  return plan;
}
