import type { LastProbe } from "./probes.ts";
import type { ProgressInfo } from "./progress.ts";

// The shapes every part of tend speaks about. Nothing here does anything.

export const PROCESS_STATES = [
  "stopped",
  "waiting",
  "starting",
  "running",
  "paused",
  "stopping",
  "backoff",
  "exited",
  "failed",
] as const;
export type ProcessState = (typeof PROCESS_STATES)[number];

export type Health = "unknown" | "healthy" | "unhealthy";

// Why a run ended or a state changed. Stored verbatim in runs and events.
export type Reason =
  | "autostart"
  | "requested"
  | "restart"
  | "exited"
  | "crashed"
  | "stopped"
  | "backoff"
  | "max_restarts"
  | "spawn_failed"
  | "orphaned"
  | "reload"
  | "removed"
  | "shutdown"
  | "timeout"
  | "liveness"
  | "startup"
  | "memory"
  | "dependencies"
  | "dependency_failed";

// How a child ended: exactly one of code and signal is set once it has ended.
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface RunRecord {
  id: number;
  process: string;
  pid: number;
  pidStartTicks: number | null;
  startedAt: number; // epoch ms
  endedAt: number | null; // epoch ms
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  cgroup: string | null; // where the run lived, in cgroup mode
}

export interface EventRecord {
  id: number;
  at: number; // epoch ms
  process: string | null;
  type: string; // past tense, e.g. "process.started", "process.exited"
  state: ProcessState | null;
  reason: string | null;
  details: Record<string, unknown> | null;
}

// An event type filter matches that type and, at a dot boundary, every type under it: "process"
// matches "process.running" but not "processes.x". The store's query follows the same rule.
export function eventTypeMatches(filter: string, type: string): boolean {
  return type === filter || type.startsWith(`${filter}.`);
}

export type ProcessSource = "config" | "runtime";

// What `tend ps --json` prints for one process.
export interface ProcessSnapshot {
  name: string;
  state: ProcessState;
  health: Health;
  pid: number | null;
  startedAt: number | null; // epoch ms of the current run
  uptimeMs: number | null;
  restarts: number; // total restarts since the supervisor started
  consecutiveRestarts: number;
  lastExit: ExitInfo | null;
  reason: string | null;
  nextStartInMs: number | null; // while in backoff
  waitingFor: string[] | null; // while waiting: the unmet conditions, e.g. "db healthy"
  lastProbe: LastProbe | null; // latest probe result of this run (readiness, when it has one)
  source: ProcessSource;
  cpu: number | null; // percent of one core over the last sampling interval, whole tree
  memory: number | null; // resident bytes of the whole tree
  fds: number | null; // open file descriptors of the whole tree
  threads: number | null;
  progress: ProgressInfo | null; // what a long task reported of its current run
  replicaOf: string | null; // a copy of a replicated process (instances): its name
  instance: number | null; // and which copy (TEND_INSTANCE)
}
