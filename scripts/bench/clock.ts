import { waitFor as waitForCondition } from "../../test/helpers/wait.ts";

// Epoch milliseconds with sub-ms resolution: the clock bash's $EPOCHREALTIME reads.
export const nowMs = (): number => performance.timeOrigin + performance.now();

// The tests' waitFor (a condition with a deadline; the failure says what was expected and last
// seen), with the bench's positional timeout.
export function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs: number,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  return waitForCondition(what, probe, { timeoutMs, intervalMs });
}
