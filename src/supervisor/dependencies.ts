import type { Dependency, DependencyCondition } from "../config/process-spec.ts";
import type { Health, ProcessState } from "../domain/types.ts";

// Whether a process's dependencies let it start: pure functions over what the gate sees of
// each dependency right now. Nothing here has state.

// What the gate needs to know about a dependency right now.
export interface DependencyView {
  state: ProcessState;
  health: Health;
  exitedOk: boolean | null; // the last run ended with a success code; null before any end
  settled: boolean; // no stop, start or restart of it is in flight
}

export type ConditionVerdict = "met" | "pending" | "never";

// Whether `condition` holds for a dependency in `view`, may still come to hold by itself, or
// cannot: a failed dependency, or one that ended (or was stopped) without meeting it.
export function evaluateCondition(
  condition: DependencyCondition,
  view: DependencyView | null,
): ConditionVerdict {
  if (view === null) return "never";
  const { state } = view;
  const ended = view.settled && (state === "stopped" || state === "exited" || state === "failed");
  switch (condition) {
    case "started":
      if (state === "running" || state === "paused" || state === "exited") return "met";
      break;
    case "healthy":
      if ((state === "running" || state === "paused") && view.health === "healthy") return "met";
      break;
    case "completed":
      if (state === "exited") return "met";
      break;
    case "succeeded":
      if (state === "exited" && view.exitedOk === true) return "met";
      break;
  }
  return ended ? "never" : "pending";
}

export type GateVerdict =
  | { kind: "met" }
  | { kind: "waiting"; waitingFor: string[] }
  | { kind: "failed"; dependency: string; condition: DependencyCondition; state: ProcessState | null };

// All of a process's dependencies together: met when every one is; failed at the first that
// never will be; otherwise waiting, listing what is not met yet ("db healthy").
export function evaluateDependencies(
  deps: readonly Dependency[],
  lookup: (name: string) => DependencyView | null,
): GateVerdict {
  const waitingFor: string[] = [];
  for (const d of deps) {
    const view = lookup(d.name);
    const v = evaluateCondition(d.condition, view);
    if (v === "never")
      return { kind: "failed", dependency: d.name, condition: d.condition, state: view?.state ?? null };
    if (v === "pending") waitingFor.push(`${d.name} ${d.condition}`);
  }
  return waitingFor.length ? { kind: "waiting", waitingFor } : { kind: "met" };
}
