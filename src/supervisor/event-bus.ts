import type { EventRecord } from "../domain/types.ts";
import type { NewEvent, Store } from "../store/store.ts";

// Every event is stored first, then handed to live subscribers. A subscriber that throws is
// dropped rather than allowed to break the supervisor loop.
export type EventListener = (e: EventRecord) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly store: Store) {}

  emit(e: NewEvent): EventRecord {
    const rec = this.store.addEvent(e);
    for (const l of this.listeners) {
      try {
        l(rec);
      } catch {
        this.listeners.delete(l);
      }
    }
    return rec;
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
