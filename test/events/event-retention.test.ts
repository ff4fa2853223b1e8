import { expect, test } from "bun:test";
import type { NewEvent } from "../../src/store/store.ts";
import { Store } from "../../src/store/store.ts";
import { tempDir } from "../helpers/temp.ts";

const DAY_MS = 24 * 3600_000;

function event(at: number): NewEvent {
  return { at, process: "api", type: "process.running", state: "running", reason: null, details: null };
}

test("events older than event_max_age are pruned, on insert and when the store opens", () => {
  using dir = tempDir();
  let now = 100 * DAY_MS;
  const opts = { runRetention: 100, eventRetention: 10_000, eventMaxAgeMs: 7 * DAY_MS, now: () => now };
  const store = new Store(dir.path, opts);
  try {
    // 50 events ten days old, 150 from today: pruning runs every 100 inserts.
    for (let i = 0; i < 50; i++) store.addEvent(event(now - 10 * DAY_MS + i));
    for (let i = 0; i < 150; i++) store.addEvent(event(now - 1000 + i));
    const afterInsert = store.events({ limit: 10_000 }).map((e) => e.at);
    expect({
      count: afterInsert.length,
      oldest: afterInsert[0],
    }).toEqual({ count: 150, oldest: now - 1000 });
  } finally {
    store.close();
  }
  // A week later everything stored is past the limit: opening the store prunes it.
  now += 8 * DAY_MS;
  const reopened = new Store(dir.path, opts);
  try {
    expect(reopened.counts().events).toBe(0);
  } finally {
    reopened.close();
  }
});

test("without an age limit only the count bounds the events", () => {
  using dir = tempDir();
  const store = new Store(dir.path, { runRetention: 100, eventRetention: 10_000 });
  try {
    for (let i = 0; i < 120; i++) store.addEvent(event(i));
    expect(store.counts().events).toBe(120);
  } finally {
    store.close();
  }
});
