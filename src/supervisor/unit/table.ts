import type { Effect, Input, InputOf, InputType } from "./inputs.ts";
import type { Phase } from "./phases.ts";
import {
  begin,
  conclude,
  endRun,
  exitNoted,
  forceStop,
  forget,
  ignore,
  recheck,
  refuse,
  reset,
  resetCounts,
  restartEffects,
  signal,
  startEffects,
  survived,
  toRetired,
  toStopping,
  type Verdict,
} from "./steps.ts";

export type { Step, Verdict } from "./steps.ts";

// The unit's behaviour: (phase, input) → the next phase and the effects, nothing else. A cell
// left out ignores the input (a fact about a run that is already over, a start of a running
// process); a `refuse` cell turns an operator's action down with INVALID_STATE and changes
// nothing. Every transition is announced as `process.<public state>` with the step's reason
// (absent: the current one stays). test/unit/unit-table.test.ts holds every cell to a matrix.

type Row<T extends InputType> = (input: InputOf<T>) => Verdict;
type Rows = { [T in InputType]?: Row<T> };

const atRest: Rows = {
  start: (i) => begin(i.gate, i.reason, startEffects),
  restart: (i) => begin(i.gate, i.reason, restartEffects),
  pause: refuse("pause"),
  resume: refuse("resume"),
  signal: refuse("signal"),
  remove: (i) => ({ ...toRetired([forget]), reason: i.reason }),
  shutdown: () => ({ ...toRetired([]), reason: "shutdown" }),
  reset,
};

// A run is live (running or paused): every way it can end.
const live: Rows = {
  restart: (i) => ({
    next: "restarting",
    reason: i.reason,
    effects: [...endRun("restart"), ...restartEffects],
  }),
  stop: (i) => toStopping(i, endRun("stopped", false, i.force)),
  reset,
  signal,
  remove: (i) => ({
    next: "retiring",
    reason: i.reason,
    effects: [...endRun("stopped"), forget, { kind: "close_progress" }],
  }),
  shutdown: () => ({
    next: "retiring",
    reason: "shutdown",
    effects: [...endRun("stopped", true), { kind: "close_progress" }],
  }),
  leader_exited: (i) => {
    const noted: Effect[] = [
      { kind: "mark_run", reason: i.ended },
      { kind: "probes", action: "end" },
      { kind: "record_exit" },
    ];
    if (i.leftovers === null || i.leftovers.length > 0)
      return {
        next: "ending",
        reason: "leftovers",
        details: { pids: i.leftovers },
        effects: [...noted, { kind: "stop_tree", ordered: false }],
      };
    return conclude(i.outcome, [...noted, { kind: "record_end" }]);
  },
  health: (i) => ({ effects: [{ kind: "health", health: i.health, reason: i.reason }] }),
  timeout_reached: (i) => ({
    next: "ending",
    reason: "timeout",
    details: { timeoutMs: i.timeoutMs },
    effects: [
      { kind: "error", error: `ran longer than its timeout of ${i.timeoutMs} ms` },
      ...endRun("timeout"),
    ],
  }),
  main_forked: (i) => ({
    effects: [
      { kind: "adopt_main", pid: i.pid, startTicks: i.startTicks },
      { kind: "emit", type: "run.forked", details: { pid: i.pid } },
    ],
  }),
};

// A run is being ended: the stop in flight finishes it; what follows depends on the phase.
const ending: Rows = {
  start: () => ({ next: "restarting", reason: "requested", effects: startEffects }),
  restart: (i) => ({ next: "restarting", reason: i.reason, effects: restartEffects }),
  stop: (i) => toStopping(i, [{ kind: "mark_run", reason: "stopped" }, ...(i.force ? [killNow] : [])]),
  reset,
  pause: refuse("pause"),
  resume: refuse("resume"),
  signal,
  remove: (i) => ({ next: "retiring", reason: i.reason, effects: [forget, { kind: "close_progress" }] }),
  shutdown: () => ({ next: "retiring", reason: "shutdown", effects: [{ kind: "close_progress" }] }),
  leader_exited: exitNoted,
};

const killNow: Effect = { kind: "kill_now" };

export const TABLE: Record<Phase, Rows> = {
  stopped: {
    ...atRest,
    restore: (i) => ({
      next: i.state,
      reason: "restored",
      details: { lastExit: i.lastExit },
      effects: [
        { kind: "last_exit", exit: i.lastExit },
        { kind: "intent", intent: i.state },
      ],
    }),
  },
  exited: atRest,
  failed: {
    ...atRest,
    reset: () => ({
      next: "stopped",
      reason: "reset",
      effects: [resetCounts, { kind: "error", error: null }, { kind: "intent", intent: "stopped" }],
    }),
  },
  // Every start of a waiting unit looks at its dependencies again: a reload may have changed them.
  waiting: {
    start: (i) => recheck(i.gate),
    restart: (i) => recheck(i.gate),
    stop: (i) => ({ next: "stopped", reason: i.reason, effects: [{ kind: "intent", intent: "stopped" }] }),
    reset,
    pause: refuse("pause"),
    resume: refuse("resume"),
    signal: refuse("signal"),
    remove: (i) => ({ ...toRetired([forget]), reason: i.reason }),
    shutdown: () => ({ ...toRetired([]), reason: "shutdown" }),
    deps_changed: (i) => recheck(i.gate),
  },
  // Left in the same turn: the spawn effect answers with spawned or spawn_failed at once.
  starting: {
    reset,
    spawned: (i) => ({
      next: "running",
      details: { pid: i.pid, runId: i.runId },
      effects: [
        { kind: "error", error: null },
        { kind: "emit", type: "run.started", details: { runId: i.runId, pid: i.pid } },
        { kind: "probes", action: "begin" },
        // Whatever started it (a restart after a crash while paused, say), it runs now.
        { kind: "intent", intent: "up" },
      ],
    }),
    // Like a run that crashed at once: restarted through the backoff as the policy says.
    spawn_failed: (i) => {
      const step = conclude(i.outcome, [{ kind: "error", error: i.error }]);
      return { ...step, details: { ...step.details, error: i.error } };
    },
  },
  running: {
    ...live,
    pause: () => ({
      next: "paused",
      reason: "requested",
      effects: [
        { kind: "freeze", frozen: true },
        { kind: "probes", action: "pause" },
        { kind: "intent", intent: "paused" },
      ],
    }),
    resume: refuse("resume"),
    probe_failed: (i) => ({
      next: "ending",
      reason: i.probe,
      details: { probe: i.probe, message: i.message },
      effects: [{ kind: "error", error: `${i.probe} probe failed: ${i.message}` }, ...endRun(i.probe)],
    }),
    memory_exceeded: (i) => ({
      next: "ending",
      reason: "memory",
      details: { rssBytes: i.rssBytes, limitBytes: i.limitBytes },
      effects: [
        { kind: "error", error: `memory ${i.rssBytes} bytes above max_memory ${i.limitBytes} bytes` },
        ...endRun("memory"),
      ],
    }),
  },
  paused: {
    ...live,
    pause: refuse("pause"),
    resume: () => ({
      next: "running",
      reason: "requested",
      effects: [
        { kind: "freeze", frozen: false },
        { kind: "probes", action: "resume" },
        { kind: "intent", intent: "up" },
      ],
    }),
  },
  stopping: {
    ...ending,
    stop: forceStop,
    tree_gone: (i) => ({
      next: "stopped",
      effects: [
        { kind: "record_end" },
        ...(i.survivors ? [{ kind: "error", error: i.survivors } as const] : []),
      ],
    }),
  },
  restarting: {
    ...ending,
    start: ignore,
    restart: ignore,
    tree_gone: (i) =>
      i.survivors ? survived(i.survivors) : begin(i.gate, undefined, [{ kind: "record_end" }]),
  },
  ending: {
    ...ending,
    tree_gone: (i) => (i.survivors ? survived(i.survivors) : conclude(i.outcome, [{ kind: "record_end" }])),
  },
  retiring: {
    start: refuse("start"),
    reset: refuse("reset"),
    stop: forceStop,
    restart: refuse("restart"),
    pause: refuse("pause"),
    resume: refuse("resume"),
    signal,
    leader_exited: exitNoted,
    tree_gone: () => ({ next: "retired", effects: [{ kind: "record_end" }] }),
  },
  backoff: {
    start: (i) => begin(i.gate, i.reason, [{ kind: "cancel_backoff" }, ...startEffects]),
    restart: (i) => begin(i.gate, i.reason, [{ kind: "cancel_backoff" }, ...restartEffects]),
    reset,
    stop: (i) => ({
      next: "stopped",
      reason: i.reason,
      effects: [{ kind: "cancel_backoff" }, { kind: "intent", intent: "stopped" }],
    }),
    pause: refuse("pause"),
    resume: refuse("resume"),
    signal: refuse("signal"),
    remove: (i) => ({ ...toRetired([{ kind: "cancel_backoff" }, forget]), reason: i.reason }),
    shutdown: () => ({ ...toRetired([{ kind: "cancel_backoff" }]), reason: "shutdown" }),
    backoff_due: (i) => begin(i.gate, "backoff", []),
  },
  retired: {
    start: refuse("start"),
    reset: refuse("reset"),
    restart: refuse("restart"),
    pause: refuse("pause"),
    resume: refuse("resume"),
    signal: refuse("signal"),
  },
};

// The table's answer for one cell.
export function decide(phase: Phase, input: Input): Verdict {
  const row = TABLE[phase][input.type] as ((i: Input) => Verdict) | undefined;
  return row ? row(input) : null;
}
