import type { Config } from "../config/load.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { ReloadPlan } from "../domain/shapes.ts";
import type { ProcessSource } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import { membersOf, type ReplicaCounts } from "./replica-sets.ts";
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

// Two specs are the same run if everything but the raw text and the export-only image is equal.
function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  const { raw: _a, image: _ia, ...restA } = a;
  const { raw: _b, image: _ib, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}

// A reload may not take away a process that a remaining one depends on (the config's own
// processes are checked by the config; run-time ones can depend on config processes).
function refuseOrphaningReload(
  plan: ReloadPlan,
  units: Map<string, { source: ProcessSource; spec: ProcessSpec }>,
): void {
  const removed = new Set(plan.removed);
  // A replicated process is removed when its copies are: a dependency names it as a whole.
  for (const n of plan.removed) {
    const of = units.get(n)?.spec.replica?.of;
    if (of && !plan.added.concat(plan.changed, plan.unchanged).some((k) => k.startsWith(`${of}:`)))
      removed.add(of);
  }
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
  // Starts a new unit once what it depends on is up (reason: "reload", or "scaled").
  start(unit: Unit, reason?: string): Promise<void>;
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

// A reload of the units from the processes `before` to `next` (replicated ones as their copies:
// a `tend scale` count stays while instances do, see ReplicaCounts), planned first: a refused
// plan changes nothing. Unless `dryRun`, `commit` makes `next` the config, then it is carried out.
export async function reloadUnits(
  target: ReloadTarget,
  before: ProcessSpec[],
  next: ProcessSpec[],
  counts: ReplicaCounts,
  dryRun: boolean,
  commit: () => void,
): Promise<ReloadPlan> {
  const specsFor = (real: boolean) =>
    expandReplicas(next, (g) => counts.afterReload(before, g, membersOf(target.units, g.name), !real));
  const plan = planReload(target.units, specsFor(false));
  if (dryRun) return plan;
  commit();
  for (const p of next) if (p.instances === null) counts.forget(p.name);
  await applyReload(plan, specsFor(true), target);
  return plan;
}

// `tend reload`: the file checked again (with the `tend up --env` selection), then planned and,
// unless `dryRun`, applied; a refused reload changes nothing and is an event either way.
export interface FileReload {
  config: Config; // the one in force
  load: (path: string, environment: string | null) => Config | Promise<Config>;
  refuseWhileShuttingDown(): void;
  // Runs the change one at a time with scales and rolling restarts.
  apply(change: (target: ReloadTarget, counts: ReplicaCounts) => Promise<ReloadPlan>): Promise<ReloadPlan>;
  commit(next: Config): void;
  emit(type: string, details: Record<string, unknown>): void;
}

export async function reloadFromFile(o: FileReload, dryRun: boolean): Promise<ReloadPlan> {
  o.refuseWhileShuttingDown();
  try {
    if (!o.config.file)
      throw new TendError("INVALID_STATE", "the supervisor was started without a config file");
    const next = await o.load(o.config.file, o.config.environment);
    // Checking the file takes a moment (a child process): a shutdown may have begun meanwhile.
    o.refuseWhileShuttingDown();
    const plan = await o.apply((target, counts) =>
      reloadUnits(target, o.config.processes, next.processes, counts, dryRun, () => o.commit(next)),
    );
    if (!dryRun) o.emit("supervisor.reloaded", { ...plan });
    return plan;
  } catch (err) {
    if (!dryRun) o.emit("supervisor.reload_failed", { error: errorMessage(err) });
    throw err;
  }
}
