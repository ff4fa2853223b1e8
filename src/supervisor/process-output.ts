import type { LogQuery } from "../domain/control.ts";
import type { LogEntry } from "../domain/shapes.ts";
import type { RunRecord } from "../domain/types.ts";
import type { LogHub } from "../logs/log-hub.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import type { Unit } from "./unit/unit.ts";

// What a process left: its runs and its output. A replicated process named as a whole has its
// copies' together: runs the latest first, lines in the order they were read.

// The runs of `name`, also of a process removed since (its runs stay in the store).
export function historyOf(
  records: RecordKeeper,
  members: () => Unit[],
  name: string,
  limit: number,
): RunRecord[] {
  const units = membersOrNone(members);
  if (units === null || units[0]?.name === name) {
    const runs = records.runs(name, limit);
    if (runs.length === 0) members(); // neither runs nor a process: not found
    return runs;
  }
  return units
    .flatMap((u) => records.runs(u.name, limit))
    .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id)
    .slice(0, limit);
}

// The last lines of `members`, merged in the order they were read. With `since`, of the lines
// kept in memory (the only ones with a time), those read since then.
export function tailOf(logs: LogHub, members: Unit[], query: LogQuery): LogEntry[] {
  const since = query.since;
  if (since !== undefined) {
    const recent = members.flatMap((u) => logs.recent(u.name, query.stream)).filter((l) => l.at >= since);
    return last(
      recent.sort((a, b) => a.at - b.at),
      query.lines,
    );
  }
  const all = members.flatMap((u) => logs.tail(u.name, query.lines, query.stream));
  return members.length === 1
    ? all
    : last(
        all.sort((a, b) => a.at - b.at),
        query.lines,
      );
}

const last = <T>(list: T[], n: number): T[] => (n === 0 ? [] : list.slice(-n));

export function followAll(
  logs: LogHub,
  stream: LogQuery["stream"],
  listener: (line: LogEntry) => void,
): () => void {
  return logs.lines.subscribeAll(stream ? (l) => l.stream === stream && listener(l) : listener);
}

export function followOf(
  logs: LogHub,
  members: Unit[],
  stream: LogQuery["stream"],
  listener: (line: LogEntry) => void,
): () => void {
  const stops = members.map((u) => logs.follow(u.name, listener, stream));
  return () => {
    for (const stop of stops) stop();
  };
}

export function clearOf(logs: LogHub, members: Unit[], cleared: (name: string) => void): void {
  for (const u of members) {
    logs.for(u.name, u.spec.logs).clear();
    cleared(u.name);
  }
}

// The members, or null for a name that is no process now (a process removed since).
function membersOrNone(members: () => Unit[]): Unit[] | null {
  try {
    return members();
  } catch {
    return null; // not found: its stored runs may still answer (historyOf)
  }
}
