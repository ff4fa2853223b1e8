import type { BackoffPolicy } from "../../config/process-spec.ts";

// Delay before restart number `attempt` (1-based): initial × factor^(attempt-1), capped at max,
// then spread by ±jitter so a fleet of crashing processes does not restart in lockstep.
export function computeBackoffMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (attempt < 1 || policy.initialMs <= 0) return 0;
  const raw = policy.initialMs * policy.factor ** (attempt - 1);
  const capped = Math.min(raw, policy.maxMs);
  const spread = capped * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(capped + spread, policy.maxMs)));
}
