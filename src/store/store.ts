import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord, ExitInfo, ProcessState, RunRecord } from "../domain/types.ts";
import { MIGRATIONS } from "./migrations.ts";

// The only module that touches bun:sqlite. WAL with synchronous=NORMAL: a committed row survives
// a crash of the supervisor (kill -9); only a power loss can take the last few transactions.
export interface StoreOptions {
  runRetention: number; // runs kept per process
  eventRetention: number; // events kept in all
  eventMaxAgeMs?: number; // events older than this are pruned too
  now?: () => number; // epoch ms, for the age limit
}

interface RunRow {
  id: number;
  process: string;
  pid: number | null;
  pid_start_ticks: number | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  signal: string | null;
  reason: string | null;
}

interface EventRow {
  id: number;
  at: number;
  process: string | null;
  type: string;
  state: string | null;
  reason: string | null;
  details: string | null;
}

export interface EventQuery {
  process?: string;
  type?: string;
  afterId?: number;
  limit?: number;
}

export type NewEvent = Omit<EventRecord, "id">;

export class Store {
  readonly path: string;
  private readonly db: Database;
  private readonly opts: StoreOptions;
  private readonly q: ReturnType<typeof prepare>;
  private eventsSincePrune = 0;

  constructor(stateDir: string, opts: StoreOptions) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.path = join(stateDir, "tend.db");
    this.db = new Database(this.path, { create: true, strict: true });
    try {
      this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
      migrate(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.opts = opts;
    this.q = prepare(this.db);
    this.pruneEvents();
  }

  close(): void {
    this.db.close();
  }

  schemaVersion(): number {
    return (this.db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  }

  // With `id`, the row takes that id (the supervisor allocates ids itself, so a run or event
  // whose write failed keeps its id until it is written); without, SQLite picks the next.
  beginRun(process: string, startedAt: number, id: number | null = null): number {
    return Number(this.q.beginRun.run({ id, process, startedAt }).lastInsertRowid);
  }

  setRunPid(id: number, pid: number, startTicks: number | null): void {
    this.q.setRunPid.run({ id, pid, startTicks });
  }

  // The leader's exit, while the run stays open until its whole tree is gone.
  noteRunExit(id: number, exit: ExitInfo): void {
    this.q.noteRunExit.run({ id, code: exit.code, signal: exit.signal });
  }

  endRun(id: number, endedAt: number, exit: ExitInfo | null, reason: string): void {
    this.q.endRun.run({ id, endedAt, code: exit?.code ?? null, signal: exit?.signal ?? null, reason });
    const row = this.q.runProcess.get({ id }) as { process: string } | null;
    if (row) this.q.pruneRuns.run({ process: row.process, keep: this.opts.runRetention });
  }

  openRuns(): RunRecord[] {
    return (this.q.openRuns.all() as RunRow[]).map(toRun);
  }

  runs(process: string, limit = 50): RunRecord[] {
    return (this.q.runs.all({ process, limit }) as RunRow[]).map(toRun);
  }

  addEvent(e: NewEvent, withId: number | null = null): EventRecord {
    const details = e.details === null ? null : JSON.stringify(e.details);
    const id = Number(this.q.addEvent.run({ ...e, id: withId, details }).lastInsertRowid);
    if (++this.eventsSincePrune >= 100) {
      this.eventsSincePrune = 0;
      this.pruneEventsUpTo(id);
    }
    return { id, ...e };
  }

  // Keeps at most event_retention events, none older than event_max_age. Ids grow with time,
  // so the age cut is "below the first id new enough": found by scanning only the expired rows.
  pruneEvents(): void {
    const last = (this.db.query("SELECT max(id) AS id FROM events").get() as { id: number | null }).id;
    if (last !== null) this.pruneEventsUpTo(last);
  }

  private pruneEventsUpTo(lastId: number): void {
    this.q.pruneEvents.run({ keepAbove: lastId - this.opts.eventRetention });
    if (this.opts.eventMaxAgeMs === undefined) return;
    const cutoff = (this.opts.now ?? Date.now)() - this.opts.eventMaxAgeMs;
    this.q.pruneOldEvents.run({ cutoff });
  }

  // `type` matches as eventTypeMatches says: the type itself or any type under it.
  events(query: EventQuery = {}): EventRecord[] {
    // With afterId: the events right after it, oldest first (for catching up); else the newest.
    if (query.afterId !== undefined) {
      const after = this.q.eventsAfter.all({
        process: query.process ?? null,
        type: query.type ?? null,
        afterId: query.afterId,
        limit: query.limit ?? 1000,
      }) as EventRow[];
      return after.map(toEvent);
    }
    const rows = this.q.events.all({
      process: query.process ?? null,
      type: query.type ?? null,
      afterId: query.afterId ?? 0,
      limit: query.limit ?? 1000,
    }) as EventRow[];
    return rows.reverse().map(toEvent);
  }

  saveRuntimeProcess(name: string, spec: unknown, addedAt: number): void {
    this.q.saveProcess.run({ name, spec: JSON.stringify(spec), addedAt });
  }

  deleteRuntimeProcess(name: string): void {
    this.q.deleteProcess.run({ name });
  }

  runtimeProcesses(): { name: string; spec: unknown }[] {
    return (this.q.runtimeProcesses.all() as { name: string; spec: string }[]).map((r) => ({
      name: r.name,
      spec: JSON.parse(r.spec) as unknown,
    }));
  }

  // The highest run and event ids ever handed out (AUTOINCREMENT never reuses one).
  lastIds(): { run: number; event: number } {
    const rows = this.db.query("SELECT name, seq FROM sqlite_sequence").all() as {
      name: string;
      seq: number;
    }[];
    const seq = (table: string) => rows.find((r) => r.name === table)?.seq ?? 0;
    return { run: seq("runs"), event: seq("events") };
  }

  setIntent(process: string, intent: string, at: number): void {
    this.q.setIntent.run({ process, intent, at });
  }

  deleteIntent(process: string): void {
    this.q.deleteIntent.run({ process });
  }

  clearIntents(): void {
    this.db.exec("DELETE FROM intents");
  }

  intents(): Map<string, string> {
    const rows = this.q.intents.all() as { process: string; intent: string }[];
    return new Map(rows.map((r) => [r.process, r.intent]));
  }

  meta(key: string): string | null {
    return (this.q.getMeta.get({ key }) as { value: string } | null)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.q.setMeta.run({ key, value });
  }

  counts(): { runs: number; events: number } {
    const runs = (this.db.query("SELECT count(*) AS n FROM runs").get() as { n: number }).n;
    const events = (this.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n;
    return { runs, events };
  }
}

function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (current > MIGRATIONS.length) {
    throw new Error(`the state database is at schema version ${current}, newer than this tend understands`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}

function prepare(db: Database) {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    beginRun: s("INSERT INTO runs (id, process, started_at) VALUES ($id, $process, $startedAt)"),
    noteRunExit: s("UPDATE runs SET exit_code = $code, signal = $signal WHERE id = $id"),
    setRunPid: s("UPDATE runs SET pid = $pid, pid_start_ticks = $startTicks WHERE id = $id"),
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
      `INSERT INTO events (id, at, process, type, state, reason, details)
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

function toRun(r: RunRow): RunRecord {
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
  };
}

function toEvent(r: EventRow): EventRecord {
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
