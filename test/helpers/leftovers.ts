// What tests started and have not cleaned up yet. A test that times out is abandoned before its
// `using` runs, and bun test runs no exit handlers, so test/preload.ts ends whatever is still
// here after every test (afterEach runs after a time-out too).
const pending = new Set<() => unknown>();

// Registers `cleanup`; the returned function takes it back once it has run the normal way.
export function untilCleanedUp(cleanup: () => unknown): () => void {
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

export async function cleanUpLeftovers(): Promise<void> {
  const all = [...pending];
  pending.clear();
  for (const cleanup of all) {
    try {
      await cleanup();
    } catch {} // the next one still runs
  }
}
