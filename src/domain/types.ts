// The states and the event-type rule every part of tend speaks about. The shapes themselves
// (ProcessSnapshot, EventRecord, …) are zod schemas in shapes.ts; their types are inferred there.
export type {
  EventRecord,
  ExitInfo,
  Health,
  ProcessSnapshot,
  ProcessSource,
  ProcessState,
  RunRecord,
} from "./shapes.ts";

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

// An event type filter matches that type and, at a dot boundary, every type under it: "process"
// matches "process.running" but not "processes.x". The store's query follows the same rule.
export function eventTypeMatches(filter: string, type: string): boolean {
  return type === filter || type.startsWith(`${filter}.`);
}
