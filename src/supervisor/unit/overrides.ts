import type { ProcessSpec, RestartPolicy } from "../../config/process-spec.ts";

// `tend set NAME restart=never max_restarts=3 max_memory=512MiB`: kept on the unit and read at
// each decision (after a run ends, at each memory sample) until `tend set NAME --clear` or the
// next reload, which goes back to the config.
export interface Overrides {
  restart?: RestartPolicy;
  maxRestarts?: number;
  maxMemoryBytes?: number | null; // null: no limit, whatever the config says
}

export type Policy = Pick<
  ProcessSpec,
  "restart" | "maxRestarts" | "maxMemoryBytes" | "successExitCodes" | "backoff"
>;

// The spec's policy with the overrides over it.
export function policyOf(spec: ProcessSpec, o: Overrides | null): Policy {
  return {
    restart: o?.restart ?? spec.restart,
    maxRestarts: o?.maxRestarts ?? spec.maxRestarts,
    maxMemoryBytes: o?.maxMemoryBytes !== undefined ? o.maxMemoryBytes : spec.maxMemoryBytes,
    successExitCodes: spec.successExitCodes,
    backoff: spec.backoff,
  };
}

// What `POST /v1/processes/NAME/set` asks for: overrides to add, or all of them cleared.
export type OverrideChange = { clear: true } | { clear?: false; overrides: Overrides };

export function setOverrides(
  u: {
    overrides: Overrides | null;
    emit(type: string, reason: string, details: Record<string, unknown>): void;
  },
  change: OverrideChange,
): void {
  u.overrides = change.clear ? null : { ...u.overrides, ...change.overrides };
  u.emit("process.overridden", change.clear ? "cleared" : "set", { overrides: u.overrides });
}
