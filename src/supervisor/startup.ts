import type { ExitInfo } from "../domain/types.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import type { DependencyCoordinator } from "./dependency-coordinator.ts";
import { INTENTS, type Intent } from "./unit/phases.ts";
import type { Unit } from "./unit/unit.ts";

// What `tend up` does with each process. After a clean `tend down` the config's autostart
// decides and the stored intents start afresh. After a crash (kill -9, OOM, a watchdog) every
// process comes back as the operator left it: started ones start again (a paused one runs, and
// its reason says it was paused), stopped ones stay stopped, a task that finished is not run
// again, a failed one stays failed. `clean_shutdown` is cleared while a supervisor runs.
export type StartPlan =
  | { kind: "start"; reason: "autostart" | "recovered" | "recovered_from_pause" }
  | { kind: "restore"; state: "stopped" | "exited" | "failed"; lastExit: ExitInfo | null }
  | { kind: "leave" };

export function readIntents(records: RecordKeeper): Map<string, Intent> | null {
  const clean = records.store.meta("clean_shutdown") !== "0";
  records.setMeta("clean_shutdown", "0");
  if (clean) {
    records.clearIntents();
    return null;
  }
  const out = new Map<string, Intent>();
  for (const [name, intent] of records.store.intents())
    if ((INTENTS as readonly string[]).includes(intent)) out.set(name, intent as Intent);
  return out;
}

export function planStart(u: Unit, intents: Map<string, Intent> | null, records: RecordKeeper): StartPlan {
  const intent = intents?.get(u.name);
  if (intent === undefined)
    return u.spec.autostart ? { kind: "start", reason: "autostart" } : { kind: "leave" };
  if (intent === "up") return { kind: "start", reason: "recovered" };
  if (intent === "paused") return { kind: "start", reason: "recovered_from_pause" };
  const last = records.runs(u.name, 1)[0];
  const lastExit = last && last.endedAt !== null ? { code: last.exitCode, signal: last.signal } : null;
  return { kind: "restore", state: intent, lastExit };
}

// Starts or restores every unit as planned: rests first, so a dependent's gate sees a finished
// or failed dependency as it was.
export async function startAsPlanned(
  units: Iterable<Unit>,
  records: RecordKeeper,
  dependencies: Pick<DependencyCoordinator, "start">,
): Promise<void> {
  const intents = readIntents(records);
  const plans = [...units].map((u) => [u, planStart(u, intents, records)] as const);
  for (const [u, plan] of plans) if (plan.kind === "restore") u.restore(plan.state, plan.lastExit);
  // Autostart starts what a process depends on; after a crash only the gate is asked, so a
  // dependency the operator had stopped stays stopped (its dependent then fails, saying why).
  const begin = (u: Unit, reason: string) =>
    reason === "autostart" ? dependencies.start(u, reason).done : u.start(reason);
  await Promise.all(plans.map(([u, plan]) => (plan.kind === "start" ? begin(u, plan.reason) : undefined)));
}

// Marks the end of a clean shutdown: the next `tend up` goes by the config again.
export function markCleanShutdown(records: RecordKeeper): void {
  records.setMeta("clean_shutdown", "1");
  records.flush();
}
