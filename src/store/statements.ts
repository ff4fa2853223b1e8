import type { Database, Statement } from "bun:sqlite";
import type { EventRecord, ProcessState, RunRecord } from "../domain/types.ts";

// The store's SQL, prepared once per database, and how its rows read as records.

export interface RunRow {
  id: number;
  process: string;
  pid: number | null;
  pid_start_ticks: number | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
  cgroup: string | null;
}

export interface EventRow {
  id: number;
  at: number;
  process: string | null;
  type: string;
  state: string | null;
  reason: string | null;
  details: string | null;
}

export function prepare(db: Database) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    // OR IGNORE: a retried write whose row is already there (the supervisor allocates ids).
    beginRun: s("INSERT OR IGNORE INTO runs (id, process, started_at) VALUES ($id, $process, $startedAt)"),
    noteRunExit: s("UPDATE runs SET exit_code = $code, signal = $signal WHERE id = $id"),
    setRunPid: s(
      "UPDATE runs SET pid = $pid, pid_start_ticks = $startTicks, cgroup = $cgroup WHERE id = $id",
    ),
    endRun: s(
      "UPDATE runs SET ended_at = $endedAt, exit_code = $code, signal = $signal, reason = $reason WHERE id = $id",
    ),
    runProcess: s("SELECT process FROM runs WHERE id = $id"),
    pruneRuns: s(
      `DELETE FROM runs WHERE process = $process AND ended_at IS NOT NULL AND id <= (
         SELECT id FROM runs WHERE process = $process ORDER BY id DESC LIMIT 1 OFFSET $keep)`,
    ),
    openRuns: s("SELECT * FROM runs WHERE ended_at IS NULL ORDER BY id"),
    runs: s("SELECT * FROM runs WHERE process = $process ORDER BY id DESC LIMIT $limit"),
    addEvent: s(
      `INSERT OR IGNORE INTO events (id, at, process, type, state, reason, details)
       VALUES ($id, $at, $process, $type, $state, $reason, $details)`,
    ),
    pruneEvents: s("DELETE FROM events WHERE id <= $keepAbove"),
    pruneOldEvents: s(
      `DELETE FROM events WHERE id < coalesce(
         (SELECT id FROM events WHERE at >= $cutoff ORDER BY id LIMIT 1),
         (SELECT max(id) + 1 FROM events))`,
    ),
    events: s(
      `SELECT * FROM events WHERE ($process IS NULL OR process = $process) AND ($type IS NULL OR type = $type OR substr(type, 1, length($type) + 1) = $type || '.')
       AND id > $afterId ORDER BY id DESC LIMIT $limit`,
    ),
    eventsAfter: s(
      `SELECT * FROM events WHERE ($process IS NULL OR process = $process) AND ($type IS NULL OR type = $type OR substr(type, 1, length($type) + 1) = $type || '.')
       AND id > $afterId ORDER BY id LIMIT $limit`,
    ),
    saveProcess: s(
      "INSERT OR REPLACE INTO runtime_processes (name, spec, added_at) VALUES ($name, $spec, $addedAt)",
    ),
    deleteProcess: s("DELETE FROM runtime_processes WHERE name = $name"),
    runtimeProcesses: s("SELECT name, spec FROM runtime_processes ORDER BY added_at, name"),
    setIntent: s("INSERT OR REPLACE INTO intents (process, intent, at) VALUES ($process, $intent, $at)"),
    deleteIntent: s("DELETE FROM intents WHERE process = $process"),
    intents: s("SELECT process, intent FROM intents"),
    getMeta: s("SELECT value FROM meta WHERE key = $key"),
    setMeta: s("INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)"),
  };
}

export function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    process: r.process,
    pid: r.pid ?? 0,
    pidStartTicks: r.pid_start_ticks,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    exitCode: r.exit_code,
    signal: r.signal,
    reason: r.reason,
    cgroup: r.cgroup ?? null,
  };
}

export function toEvent(r: EventRow): EventRecord {
  return {
    id: r.id,
    at: r.at,
    process: r.process,
    type: r.type,
    state: r.state as ProcessState | null,
    reason: r.reason,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  };
}
