import type { Clock, TimerHandle } from "../clock.ts";
import type { StoreHealth } from "../domain/shapes.ts";
import type { EventRecord, ExitInfo, RunRecord } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import type { EventQuery, NewEvent, Store } from "./store.ts";

// What the supervisor writes goes through here, so a failing store (a full disk, SQLITE_FULL,
// a locked or broken file) never stops supervision. Run and event ids are handed out here, not
// by SQLite, so a record keeps its id while it waits. A write that fails is kept, in order with
// every write after it, and retried on a timer (armed only while something waits) until the
// store takes it; the first failure of a spell and the recovery are reported to the caller.
//
// The writes of one turn of the event loop share a transaction, committed when the turn is over
// (a stop of 100 processes is some 500 writes: one commit each cost about 75 µs per process). A
// run's start is committed at once, before and after the spawn (beginRun, setRunPid), so that
// recovery after a crash always finds what was started; what else a crash of the supervisor
// can take is the rest of the turn it was in. Every write is idempotent (its ids are given), so
// a batch that fails, in a statement or at the commit, is rolled back and waits whole, in
// order, for the retry.
export type { StoreHealth };

export interface RecordKeeperOptions {
  clock: Clock;
  retryMs?: number;
  // Runs `commit` once the current turn of the event loop is over (default: setImmediate).
  atTurnEnd?: (commit: () => void) => void;
  // The most records kept waiting; past it the oldest waiting events are dropped (runs, intents
  // and run-time processes are kept).
  maxPending?: number;
  onFailing?: (error: string) => void;
  onRecovered?: (written: number, droppedEvents: number) => void;
}

interface Write {
  event: boolean;
  apply: () => void;
}

export class RecordKeeper {
  private lastRunId: number;
  private lastEventId: number;
  private readonly pending: Write[] = [];
  // Written in the open transaction, not yet committed; null while none is open.
  private batch: Write[] | null = null;
  private timer: TimerHandle | null = null;
  private error: string | null = null;
  private failingSince: number | null = null;
  private dropped = 0;
  private writtenLate = 0;

  constructor(
    readonly store: Store,
    private readonly o: RecordKeeperOptions,
  ) {
    const ids = store.lastIds();
    this.lastRunId = ids.run;
    this.lastEventId = ids.event;
  }

  beginRun(process: string, startedAt: number): number {
    const id = ++this.lastRunId;
    this.write(false, () => this.store.beginRun(process, startedAt, id), true);
    return id;
  }

  setRunPid(id: number, pid: number, startTicks: number | null, cgroup: string | null = null): void {
    this.write(false, () => this.store.setRunPid(id, pid, startTicks, cgroup), true);
  }

  noteRunExit(id: number, exit: ExitInfo): void {
    this.write(false, () => this.store.noteRunExit(id, exit));
  }

  endRun(id: number, endedAt: number, exit: ExitInfo | null, reason: string): void {
    this.write(false, () => this.store.endRun(id, endedAt, exit, reason));
  }

  addEvent(e: NewEvent): EventRecord {
    const id = ++this.lastEventId;
    this.write(true, () => this.store.addEvent(e, id));
    return { id, ...e };
  }

  setIntent(process: string, intent: string, at: number): void {
    this.write(false, () => this.store.setIntent(process, intent, at));
  }

  deleteIntent(process: string): void {
    this.write(false, () => this.store.deleteIntent(process));
  }

  clearIntents(): void {
    this.write(false, () => this.store.clearIntents());
  }

  setMeta(key: string, value: string): void {
    this.write(false, () => this.store.setMeta(key, value));
  }

  saveRuntimeProcess(name: string, spec: unknown, addedAt: number): void {
    this.write(false, () => this.store.saveRuntimeProcess(name, spec, addedAt));
  }

  deleteRuntimeProcess(name: string): void {
    this.write(false, () => this.store.deleteRuntimeProcess(name));
  }

  // Reads answer from what the store holds; records still waiting are not in them yet.
  runs(process: string, limit?: number): RunRecord[] {
    return this.store.runs(process, limit);
  }

  events(query?: EventQuery): EventRecord[] {
    return this.store.events(query);
  }

  health(): StoreHealth {
    return {
      pendingWrites: this.pending.length,
      droppedEvents: this.dropped,
      error: this.pending.length ? this.error : null,
      failingSince: this.pending.length ? this.failingSince : null,
    };
  }

  // Commits the open batch and writes what waits, in order; false if something still waits.
  flush(): boolean {
    if (!this.commit()) return false;
    this.timer?.cancel();
    this.timer = null;
    while (this.pending.length > 0) {
      const next = this.pending[0] as Write;
      try {
        next.apply();
      } catch (err) {
        this.error = errorMessage(err);
        this.armRetry();
        return false;
      }
      this.pending.shift();
      this.writtenLate++;
    }
    if (this.failingSince !== null) {
      const written = this.writtenLate;
      const dropped = this.dropped;
      this.failingSince = null;
      this.error = null;
      this.writtenLate = 0;
      this.o.onRecovered?.(written, dropped);
    }
    return true;
  }

  // Commits the open batch and stops retrying (the supervisor is closing the store).
  close(): void {
    this.commit();
    this.timer?.cancel();
    this.timer = null;
  }

  // `durable`: committed before this returns (with the rest of the batch).
  private write(event: boolean, apply: () => void, durable = false): void {
    const w = { event, apply };
    if (this.pending.length > 0) {
      // Behind what already waits, so the store sees every write in the order it was made. The
      // retry timer writes them: a failing store is not asked again on every event.
      this.pending.push(w);
      if (this.pending.length > (this.o.maxPending ?? 10_000)) this.dropOldestEvent();
      return;
    }
    const opening = this.batch === null;
    this.batch ??= [];
    this.batch.push(w);
    try {
      if (opening) {
        this.store.begin();
        (this.o.atTurnEnd ?? setImmediate)(() => this.commit());
      }
      apply();
      // A statement that failed may have taken the whole transaction with it.
      if (!this.store.inTransaction) throw new Error("the store rolled the transaction back");
    } catch (err) {
      this.failBatch(err);
      return;
    }
    if (durable) this.commit();
  }

  // The open batch committed; false if it failed (it then waits, whole, for the retry).
  private commit(): boolean {
    if (!this.batch) return true;
    try {
      this.store.commit();
      this.batch = null;
      return true;
    } catch (err) {
      this.failBatch(err);
      return false;
    }
  }

  // The batch rolled back, and every write of it waiting.
  private failBatch(err: unknown): void {
    const writes = this.batch ?? [];
    this.batch = null;
    try {
      this.store.rollback();
    } catch {
      // The transaction is gone either way (SQLite rolled it back itself, or the file broke):
      // its writes wait below and are written again, which every one of them allows.
    }
    this.error = errorMessage(err);
    this.failingSince = this.o.clock.wallMs();
    this.pending.push(...writes);
    this.armRetry();
    this.o.onFailing?.(this.error);
  }

  private dropOldestEvent(): void {
    const i = this.pending.findIndex((w) => w.event);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.dropped++;
  }

  private armRetry(): void {
    this.timer ??= this.o.clock.after(this.o.retryMs ?? 1000, () => {
      this.timer = null;
      this.flush();
    });
  }
}

// One line for `tend status` while the store is failing; null while all is written.
export function storeWarning(h: StoreHealth): string | null {
  if (h.pendingWrites === 0 && h.droppedEvents === 0) return null;
  const dropped = h.droppedEvents ? `; ${h.droppedEvents} events dropped` : "";
  if (h.pendingWrites === 0) return `the store failed earlier${dropped}`;
  return `${h.pendingWrites} records wait to be written to the store (${h.error}), retried every second${dropped}`;
}
