import type { ProcessState } from "../../domain/types.ts";

// The unit's internal states. They refine the public states of SPEC §3: four ways of being
// `stopping`, told apart by what follows once the run's tree is gone, and `retired` for a unit
// that was removed or shut down and must never start again.
export const PHASES = [
  "stopped",
  "exited",
  "failed",
  "waiting",
  "starting",
  "running",
  "paused",
  "stopping", // then stopped
  "restarting", // then started again (a restart, or a start that arrived during a stop)
  "ending", // tend ends the run (failed probe, max_memory) or stops what an exited leader left: then the outcome
  "retiring", // then retired (removed, dropped by a reload, or shut down)
  "backoff",
  "retired",
] as const;
export type Phase = (typeof PHASES)[number];

export const PUBLIC_STATE: Record<Phase, ProcessState> = {
  stopped: "stopped",
  exited: "exited",
  failed: "failed",
  waiting: "waiting",
  starting: "starting",
  running: "running",
  paused: "paused",
  stopping: "stopping",
  restarting: "stopping",
  ending: "stopping",
  retiring: "stopping",
  backoff: "backoff",
  retired: "stopped",
};

// Phases with nothing in flight: an operator's action is complete when the unit reaches one.
export const SETTLED: ReadonlySet<Phase> = new Set<Phase>([
  "stopped",
  "exited",
  "failed",
  "waiting",
  "running",
  "paused",
  "backoff",
  "retired",
]);

// What the operator last asked of a process, kept in the store so that after a crash of the
// supervisor it comes back as it was: `up` (started: running, waiting, in backoff), `paused`
// (comes back running, and says so), or at rest as `stopped`, `exited` or `failed`.
export const INTENTS = ["up", "paused", "stopped", "exited", "failed"] as const;
export type Intent = (typeof INTENTS)[number];
