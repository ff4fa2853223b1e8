import type { Clock } from "../clock.ts";
import type { Config } from "../config/load.ts";
import { runtimeProcessSpecOnDemand as runtimeProcessSpec } from "../config/on-demand.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { ProcessSource } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import type { DependencyCoordinator } from "./dependency-coordinator.ts";
import { membersOf } from "./replica-sets.ts";
import { Unit, type UnitDeps } from "./unit/unit.ts";

// Processes added at run time (`tend add`) live in the store next to the config's: checked here
// when added, and brought back here when the supervisor starts.

// What a supervisor starts with: the config's processes, then the stored run-time ones. A config
// entry of the same name takes precedence. A stored spec this version cannot read is not fatal:
// `unreadable` hears of it (the supervisor reports it) and it stays in the store.
export function startingProcesses(
  config: Config,
  stored: { name: string; spec: unknown }[],
  unreadable: (name: string, error: string) => void,
): { spec: ProcessSpec; source: ProcessSource }[] {
  const processes: { spec: ProcessSpec; source: ProcessSource }[] = config.processes.map((spec) => ({
    spec,
    source: "config",
  }));
  const names = new Set(config.processes.map((p) => p.name));
  for (const { name, spec } of stored) {
    if (names.has(name)) continue;
    try {
      processes.push({ spec: runtimeProcessSpec(name, spec), source: "runtime" });
    } catch (err) {
      unreadable(name, errorMessage(err));
    }
  }
  return processes;
}

// A `tend add` body, checked: its name, the spec as given (what the store keeps) and as read.
// Refuses a name already in use and dependencies on processes that do not exist.
export function checkAdded(
  body: unknown,
  exists: (name: string) => boolean,
  unknownDependencies: (spec: ProcessSpec) => string[],
): { name: string; raw: Record<string, unknown>; spec: ProcessSpec } {
  const { name, ...raw } = (body ?? {}) as { name?: unknown };
  if (typeof name !== "string") throw new TendError("BAD_REQUEST", "a process needs a string `name`");
  const spec = runtimeProcessSpec(name, raw);
  if (spec.instances !== null)
    throw new TendError("BAD_REQUEST", `tend add starts one process: instances is for the config file`);
  if (exists(name)) throw new TendError("PROCESS_EXISTS", `a process named "${name}" already exists`);
  const unknown = unknownDependencies(spec);
  if (unknown.length)
    throw new TendError(
      "BAD_REQUEST",
      `invalid process "${name}": depends_on names no process: ${unknown.join(", ")}`,
    );
  return { name, raw, spec };
}

// What adding and removing a run-time process need of the supervisor.
export interface RuntimeHost {
  units: Map<string, Unit>;
  unitDeps: UnitDeps;
  dependencies: DependencyCoordinator;
  records: RecordKeeper;
  clock: Clock;
  emit(type: string, process: string, details: Record<string, unknown> | null): void;
  retire(u: Unit): Promise<void>; // stops it for good (shutdown waits for it)
}

// `tend add`: checked, stored, then started if it autostarts (after what it depends on).
export async function addRuntimeProcess(host: RuntimeHost, body: unknown): Promise<Unit> {
  const { name, raw, spec } = checkAdded(
    body,
    (n) => membersOf(host.units, n).length > 0, // a unit, or a replicated process's name
    (p) => host.dependencies.unknown(p),
  );
  for (const d of spec.dependsOn) {
    const replicated = membersOf(host.units, d.name)[0]?.spec.replica?.of === d.name;
    if (replicated && (d.condition === "completed" || d.condition === "succeeded"))
      throw new TendError(
        "BAD_REQUEST",
        `invalid process "${name}": depends_on.${d.name}: ${d.name} is replicated (instances): only "started" or "healthy" (every replica) can be waited for`,
      );
  }
  host.records.saveRuntimeProcess(name, raw, host.clock.wallMs());
  const unit = new Unit(spec, "runtime", host.unitDeps);
  host.units.set(name, unit);
  host.emit("process.added", name, { source: "runtime" });
  if (spec.autostart) await host.dependencies.start(unit, "requested").done;
  return unit;
}

// `tend rm`: only a run-time process, and only one nothing depends on.
export async function removeRuntimeProcess(host: RuntimeHost, u: Unit): Promise<void> {
  const name = u.name;
  if (u.source === "config") {
    throw new TendError(
      "PROCESS_FROM_CONFIG",
      `${name} comes from the config file; remove it there and run tend reload`,
    );
  }
  host.dependencies.refuseRemoving(name);
  // Out of the map first, so nothing can reach it while its tree is stopped.
  host.units.delete(name);
  host.records.deleteRuntimeProcess(name);
  await host.retire(u);
  host.emit("process.removed", name, null);
}
