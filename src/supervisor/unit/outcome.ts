import type { ProcessSpec } from "../../config/process-spec.ts";
import type { ExitInfo } from "../../domain/types.ts";
import { computeBackoffMs } from "./backoff.ts";
import type { Outcome } from "./inputs.ts";

export type ExitOutcome =
  | { kind: "restart"; reason: "exited" | "crashed" | TendRestartReason }
  | { kind: "exited"; reason: "exited" | "crashed" }
  | { kind: "failed"; reason: "max_restarts" | TendRestartReason };

// A run ended by tend because its liveness (or startup) probe failed.
export type ProbeRestartReason = "liveness" | "startup";
// Every reason tend ends a run by itself: a failed probe, the tree's RSS above max_memory, or a
// run longer than its timeout.
export type TendRestartReason = ProbeRestartReason | "memory" | "timeout";

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

// What follows the end of a run, with the backoff's delay when it is a restart. `cause` is why
// the run ended: by itself (`exit`), or because tend ended it (a failed probe, max_memory).
// A run that stayed up reset_after starts the count of restarts in a row again.
export function outcomeAfter(
  spec: Pick<ProcessSpec, "restart" | "maxRestarts" | "successExitCodes" | "backoff">,
  cause: { exit: ExitInfo } | { tend: TendRestartReason },
  restartsInRow: number,
  upMs: number,
  random?: () => number,
): Outcome {
  const inRow = upMs >= spec.backoff.resetAfterMs ? 0 : restartsInRow;
  const o =
    "exit" in cause
      ? decideAfterExit(spec, cause.exit, inRow)
      : decideAfterProbeFailure(spec, cause.tend, inRow);
  if (o.kind !== "restart") return o;
  const attempt = inRow + 1;
  return { ...o, attempt, delayMs: computeBackoffMs(spec.backoff, attempt, random) };
}
