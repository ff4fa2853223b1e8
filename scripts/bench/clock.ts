// Epoch milliseconds with sub-ms resolution: the clock bash's $EPOCHREALTIME reads.
export const nowMs = (): number => performance.timeOrigin + performance.now();

// Polls `probe` until it returns a truthy value; throws with what was expected and last seen.
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs: number,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await Bun.sleep(intervalMs);
  }
}
