import type { Config } from "../config/load.ts";
import { runtimeProcessSpecOnDemand as runtimeProcessSpec } from "../config/on-demand.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { ProcessSource } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";

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
  if (exists(name)) throw new TendError("PROCESS_EXISTS", `a process named "${name}" already exists`);
  const unknown = unknownDependencies(spec);
  if (unknown.length)
    throw new TendError(
      "BAD_REQUEST",
      `invalid process "${name}": depends_on names no process: ${unknown.join(", ")}`,
    );
  return { name, raw, spec };
}
