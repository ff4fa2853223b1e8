import type { ExitInfo, Health } from "../../domain/types.ts";
import type { GateVerdict } from "../dependencies.ts";
import type { Intent } from "./phases.ts";

// What can happen to a unit, as data. Each input carries the facts its rows decide on (the
// dependency gate, what follows a run's end), computed by the interpreter when it makes the
// input, so the table itself reads nothing but its arguments.

// What follows a run that ended unasked, or that tend ended: see outcome.ts.
export type Outcome =
  | { kind: "restart"; reason: string; delayMs: number; attempt: number }
  | { kind: "exited"; reason: "exited" | "crashed" }
  | { kind: "failed"; reason: string };

export type Input =
  // operator actions (and the supervisor acting for one: autostart, dependencies, reload)
  | { type: "start"; reason: string; gate: GateVerdict }
  | { type: "restart"; reason: string; gate: GateVerdict }
  | { type: "stop"; reason: string; force: boolean } // force: SIGKILL to the tree at once
  | { type: "reset" } // `tend reset`: the counters to zero, a failed process back to stopped
  | { type: "pause" }
  | { type: "resume" }
  | { type: "signal"; signal: string }
  | { type: "remove"; reason: string }
  | { type: "shutdown" }
  | { type: "restore"; state: "stopped" | "exited" | "failed"; lastExit: ExitInfo | null }
  // dependencies
  | { type: "deps_changed"; gate: GateVerdict }
  // run facts
  | { type: "spawned"; runId: number; pid: number }
  | { type: "spawn_failed"; error: string; outcome: Outcome }
  // leftovers: the pids the leader left behind; null when they could not be looked for
  | { type: "leader_exited"; ended: "exited" | "crashed"; leftovers: number[] | null; outcome: Outcome }
  | { type: "tree_gone"; survivors: string | null; outcome: Outcome; gate: GateVerdict }
  // type = "forking": the program exited 0 leaving its daemon, the run's main process from now on
  | { type: "main_forked"; pid: number; startTicks: number | null }
  // timers
  | { type: "backoff_due"; gate: GateVerdict }
  // probe verdicts and limits
  | { type: "health"; health: Health; reason: string }
  | { type: "probe_failed"; probe: "liveness" | "startup"; message: string }
  | { type: "memory_exceeded"; rssBytes: number; limitBytes: number }
  | { type: "timeout_reached"; timeoutMs: number };

export type InputType = Input["type"];
export type InputOf<T extends InputType> = Extract<Input, { type: T }>;

export const INPUT_TYPES: readonly InputType[] = [
  "start",
  "restart",
  "stop",
  "reset",
  "pause",
  "resume",
  "signal",
  "remove",
  "shutdown",
  "restore",
  "deps_changed",
  "spawned",
  "spawn_failed",
  "leader_exited",
  "tree_gone",
  "main_forked",
  "backoff_due",
  "health",
  "probe_failed",
  "memory_exceeded",
  "timeout_reached",
];

// What the interpreter carries out, in order. Only `signal` and `freeze` may refuse the step
// (an operator's action that cannot be delivered changes nothing); every other effect's failure
// is recorded and the machine goes on.
export type Effect =
  | { kind: "spawn" }
  // ordered: only after every dependent is gone (shutdown); force: SIGKILL at once, no stop_signal
  | { kind: "stop_tree"; ordered: boolean; force?: true }
  | { kind: "kill_now" } // a stop under way: SIGKILL to the tree now (tend stop --force)
  | { kind: "reset_counts" }
  | { kind: "signal"; signal: string }
  | { kind: "freeze"; frozen: boolean } // pause (every process of the run) or resume
  | { kind: "mark_run"; reason: string } // why the current run ends; fixed once its leader exited
  | { kind: "record_exit" } // the leader's exit: stored with the run still open, run.exited
  | { kind: "record_end" } // the tree is gone: the run is closed in the store
  | { kind: "probes"; action: "begin" | "end" | "pause" | "resume" }
  | { kind: "health"; health: Health; reason: string }
  | { kind: "arm_backoff"; delayMs: number }
  | { kind: "cancel_backoff" }
  | { kind: "count"; restartsInRow: number | null; restart: boolean }
  | { kind: "intent"; intent: Intent | null } // null: forget it (the unit is removed)
  | { kind: "error"; error: string | null }
  | { kind: "waiting_for"; list: string[] }
  | { kind: "last_exit"; exit: ExitInfo | null }
  | { kind: "close_progress" }
  | { kind: "adopt_main"; pid: number; startTicks: number | null } // the run goes on in this process
  | { kind: "emit"; type: string; details: Record<string, unknown> | null };

export type EffectKind = Effect["kind"];
