import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord, ExitInfo, RunRecord } from "../domain/types.ts";
import { MIGRATIONS } from "./migrations.ts";
import { type EventRow, prepare, type RunRow, toEvent, toRun } from "./statements.ts";

// The only module that touches bun:sqlite. WAL with synchronous=NORMAL: a committed row survives
// a crash of the supervisor (kill -9); only a power loss can take the last few transactions.
export interface StoreOptions {
  runRetention: number; // runs kept per process
  eventRetention: number; // events kept in all
  eventMaxAgeMs?: number; // events older than this are pruned too
  now?: () => number; // epoch ms, for the age limit
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
  pruneFailures = 0; // prunes that failed (counted for diagnosis; a later one catches up)

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

  // A transaction around several writes (the record keeper's batch of one turn of the event loop):
  // one commit instead of one per write.
  begin(): void {
    this.db.exec("BEGIN");
  }

  commit(): void {
    this.db.exec("COMMIT");
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }

  // False once a failed statement made SQLite roll the whole transaction back (SQLITE_FULL can).
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  schemaVersion(): number {
    return (this.db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  }

  // With `id`, the row takes that id (the supervisor allocates ids itself, so a run or event
  // whose write failed keeps its id until it is written); without, SQLite picks the next.
  beginRun(process: string, startedAt: number, id: number | null = null): number {
    return Number(this.q.beginRun.run({ id, process, startedAt }).lastInsertRowid);
  }

  setRunPid(id: number, pid: number, startTicks: number | null, cgroup: string | null = null): void {
    this.q.setRunPid.run({ id, pid, startTicks, cgroup });
  }

  // The leader's exit, while the run stays open until its whole tree is gone.
  noteRunExit(id: number, exit: ExitInfo): void {
    this.q.noteRunExit.run({ id, code: exit.code, signal: exit.signal });
  }

  endRun(id: number, endedAt: number, exit: ExitInfo | null, reason: string): void {
    this.q.endRun.run({ id, endedAt, code: exit?.code ?? null, signal: exit?.signal ?? null, reason });
    const row = this.q.runProcess.get({ id }) as { process: string } | null;
    if (row)
      this.housekeep(() => this.q.pruneRuns.run({ process: row.process, keep: this.opts.runRetention }));
  }

  // Pruning is housekeeping after a record is stored: if it fails (a full disk), old rows stay a
  // while longer and a later write prunes them. It must not fail the write, which a retry would
  // then repeat.
  private housekeep(prune: () => void): void {
    try {
      prune();
    } catch {
      this.pruneFailures++;
    }
  }

  openRuns(): RunRecord[] {
    return (this.q.openRuns.all() as RunRow[]).map(toRun);
  }

  runs(process: string, limit = 50): RunRecord[] {
    return (this.q.runs.all({ process, limit }) as RunRow[]).map(toRun);
  }

  addEvent(e: NewEvent, withId: number | null = null): EventRecord {
    const details = e.details === null ? null : JSON.stringify(e.details);
    const inserted = Number(this.q.addEvent.run({ ...e, id: withId, details }).lastInsertRowid);
    const id = withId ?? inserted;
    if (++this.eventsSincePrune >= 100) {
      this.eventsSincePrune = 0;
      this.housekeep(() => this.pruneEventsUpTo(id));
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
