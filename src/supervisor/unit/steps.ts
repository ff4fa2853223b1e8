import type { GateVerdict } from "../dependencies.ts";
import type { Effect, InputOf, Outcome } from "./inputs.ts";
import type { Phase } from "./phases.ts";

// The pieces the transition table's rows are made of.

// A cell's answer: the next phase (absent: it stays), the reason of the transition (absent: the
// current one stays), the event's details, and the effects in order.
export interface Step {
  next?: Phase;
  reason?: string;
  details?: Record<string, unknown> | null;
  effects: Effect[];
}
export type Verdict = Step | { refuse: string } | null;

export const refuse = (action: string) => (): Verdict => ({ refuse: action });
export const ignore = (): Verdict => null;

// Leaving a rest for a start: at once when the dependencies are met, else wait or fail.
export function begin(gate: GateVerdict, reason: string | undefined, effects: Effect[]): Step {
  if (gate.kind === "met") return { next: "starting", reason, effects: [...effects, { kind: "spawn" }] };
  if (gate.kind === "waiting")
    return {
      next: "waiting",
      reason: "dependencies",
      details: { waitingFor: gate.waitingFor },
      effects: [...effects, { kind: "waiting_for", list: gate.waitingFor }],
    };
  const { dependency, condition, state } = gate;
  const error = `dependency ${dependency} cannot become ${condition}: it is ${state ?? "not defined"}`;
  return {
    next: "failed",
    reason: "dependency_failed",
    details: { dependency, condition, state, error },
    effects: [...effects, { kind: "error", error }, { kind: "intent", intent: "failed" }],
  };
}

// A waiting unit looks again: it starts, fails, or goes on waiting (for what, updated).
export function recheck(gate: GateVerdict): Step {
  if (gate.kind === "waiting") return { effects: [{ kind: "waiting_for", list: gate.waitingFor }] };
  return begin(gate, "dependencies", []);
}

// After a run ended unasked (or tend ended it): the backoff, or a rest.
export function conclude(o: Outcome, effects: Effect[]): Step {
  if (o.kind === "restart")
    return {
      next: "backoff",
      reason: o.reason,
      details: { delayMs: o.delayMs, attempt: o.attempt },
      effects: [
        ...effects,
        { kind: "count", restartsInRow: o.attempt, restart: true },
        { kind: "arm_backoff", delayMs: o.delayMs },
      ],
    };
  return { next: o.kind, reason: o.reason, effects: [...effects, { kind: "intent", intent: o.kind }] };
}

// A clean-up whose tree did not go away: starting another copy could leave two running.
export function survived(survivors: string): Step {
  return {
    next: "failed",
    reason: "survivors",
    details: { error: survivors },
    effects: [
      { kind: "record_end" },
      { kind: "error", error: survivors },
      { kind: "intent", intent: "failed" },
    ],
  };
}

export const startEffects: Effect[] = [
  { kind: "count", restartsInRow: 0, restart: false },
  { kind: "intent", intent: "up" },
];
export const restartEffects: Effect[] = [
  { kind: "count", restartsInRow: 0, restart: true },
  { kind: "intent", intent: "up" },
];
export const endRun = (why: string, ordered = false, force = false): Effect[] => [
  { kind: "mark_run", reason: why },
  { kind: "probes", action: "end" },
  force ? { kind: "stop_tree", ordered, force } : { kind: "stop_tree", ordered },
];
// `tend stop --force` while a stop is under way: it is finished with SIGKILL now.
export const forceStop = (i: InputOf<"stop">): Verdict =>
  i.force
    ? { effects: [{ kind: "kill_now" }, { kind: "emit", type: "process.killed", details: { force: true } }] }
    : null;
// `tend reset`: counters to zero; a failed process is stopped, startable again.
export const resetCounts: Effect = { kind: "reset_counts" };
export const reset = (): Verdict => ({
  effects: [resetCounts, { kind: "emit", type: "process.reset", details: null }],
});
export const toStopping = (i: InputOf<"stop">, effects: Effect[]): Step => ({
  next: "stopping",
  reason: i.reason,
  effects: [...effects, { kind: "intent", intent: "stopped" }],
});
export const toRetired = (effects: Effect[]): Step => ({
  next: "retired",
  effects: [...effects, { kind: "close_progress" }],
});
export const forget: Effect = { kind: "intent", intent: null };
export const signal = (i: InputOf<"signal">): Verdict => ({
  effects: [
    { kind: "signal", signal: i.signal },
    { kind: "emit", type: "process.signalled", details: { signal: i.signal } },
  ],
});
export const exitNoted = (): Verdict => ({ effects: [{ kind: "record_exit" }] });
