import type { EventRecord } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import type { NewEvent } from "../store/store.ts";

// Every event is recorded first (the keeper never throws: a failing store keeps it waiting),
// then handed to live subscribers. A subscriber that throws stays subscribed (it may be the
// dependency coordinator or an alert rule: dropping it would silently stop what it does); its
// failure is reported, the first one and then every 100th, so a broken one cannot flood the log.
export type EventListener = (e: EventRecord) => void;

export class EventBus {
  private readonly listeners = new Map<EventListener, number>();

  constructor(
    private readonly records: Pick<RecordKeeper, "addEvent">,
    private readonly onListenerError: (error: string, failures: number, e: EventRecord) => void = () => {},
  ) {}

  emit(e: NewEvent): EventRecord {
    const rec = this.records.addEvent(e);
    for (const [l, failures] of this.listeners) {
      try {
        l(rec);
      } catch (err) {
        const n = failures + 1;
        if (this.listeners.has(l)) this.listeners.set(l, n);
        if (n === 1 || n % 100 === 0) this.onListenerError(errorMessage(err), n, rec);
      }
    }
    return rec;
  }

  subscribe(l: EventListener): () => void {
    this.listeners.set(l, 0);
    return () => this.listeners.delete(l);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
