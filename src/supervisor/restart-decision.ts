import type { ProcessSpec } from "../config/process-spec.ts";
import type { ExitInfo } from "../domain/types.ts";

export type ExitOutcome =
  | { kind: "restart"; reason: "exited" | "crashed" | TendRestartReason }
  | { kind: "exited"; reason: "exited" | "crashed" }
  | { kind: "failed"; reason: "max_restarts" | TendRestartReason };

// A run ended by tend because its liveness (or startup) probe failed.
export type ProbeRestartReason = "liveness" | "startup";
// Every reason tend ends a run by itself: a failed probe, or the tree's RSS above max_memory.
export type TendRestartReason = ProbeRestartReason | "memory";

export function isSuccess(spec: Pick<ProcessSpec, "successExitCodes">, exit: ExitInfo): boolean {
  return exit.signal === null && exit.code !== null && spec.successExitCodes.includes(exit.code);
}

// What happens after a run ends unasked. `restartsInRow` counts restarts already made since the
// last reset; max_restarts = N allows N of them, then the process fails.
export function decideAfterExit(
  spec: Pick<ProcessSpec, "restart" | "maxRestarts" | "successExitCodes">,
  exit: ExitInfo,
  restartsInRow: number,
): ExitOutcome {
  const ok = isSuccess(spec, exit);
  const wants = spec.restart === "always" || (spec.restart === "on-failure" && !ok);
  // Like supervisord's EXITED: a run that is not restarted ends in `exited`, its code kept in lastExit.
  if (!wants) return { kind: "exited", reason: ok ? "exited" : "crashed" };
  if (spec.maxRestarts > 0 && restartsInRow >= spec.maxRestarts)
    return { kind: "failed", reason: "max_restarts" };
  return { kind: "restart", reason: ok ? "exited" : "crashed" };
}

// After tend ended a run whose liveness or startup probe failed: restarted through the backoff
// like a crash, unless restart = never (then the process has failed) or max_restarts is spent.
export function decideAfterProbeFailure(
  spec: Pick<ProcessSpec, "restart" | "maxRestarts">,
  reason: TendRestartReason,
  restartsInRow: number,
): ExitOutcome {
  if (spec.restart === "never") return { kind: "failed", reason };
  if (spec.maxRestarts > 0 && restartsInRow >= spec.maxRestarts)
    return { kind: "failed", reason: "max_restarts" };
  return { kind: "restart", reason };
}
