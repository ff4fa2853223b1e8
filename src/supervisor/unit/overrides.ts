import type { ProcessSpec } from "../../config/process-spec.ts";
import type { Overrides } from "../../domain/shapes.ts";

// `tend set NAME restart=never max_restarts=3 max_memory=512MiB`: kept by the supervisor, by
// name (a replicated process's name covers every copy, also copies made later by `tend scale`;
// a copy's own name covers that copy), and read at each decision (after a run ends, at each
// memory sample) until `tend set NAME --clear` or the next reload, which goes back to the config.
export type { Overrides };

// What `POST /v1/processes/NAME/set` asks for: overrides to add, or all of them cleared.
export type OverrideChange = { clear: true } | { clear?: false; overrides: Overrides };

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

export class OverrideTable {
  private readonly byName = new Map<string, Overrides>();

  // What applies to a process: its group's, then its own over them.
  of(spec: Pick<ProcessSpec, "name" | "replica">): Overrides | null {
    const group = spec.replica ? this.byName.get(spec.replica.of) : undefined;
    const own = this.byName.get(spec.name);
    return group || own ? { ...group, ...own } : null;
  }

  change(name: string, change: OverrideChange): Overrides | null {
    if (change.clear) this.byName.delete(name);
    else this.byName.set(name, { ...this.byName.get(name), ...change.overrides });
    return this.byName.get(name) ?? null;
  }

  // A reload: the config's policy again.
  clear(): void {
    this.byName.clear();
  }
}
