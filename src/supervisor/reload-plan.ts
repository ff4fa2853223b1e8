import type { ProcessSpec } from "../config/process-spec.ts";
import type { ReloadPlan } from "../domain/control.ts";
import type { ProcessSource } from "../domain/types.ts";

// What a reload will do: processes of the new config that are new, gone, changed or the same.
// Run-time processes are never removed by a reload; one the config now names is replaced.
export function planReload(
  current: Map<string, { source: ProcessSource; spec: ProcessSpec }>,
  next: ProcessSpec[],
): ReloadPlan {
  const plan: ReloadPlan = { added: [], removed: [], changed: [], unchanged: [], applied: false };
  const nextNames = new Set(next.map((p) => p.name));
  for (const [name, u] of current) if (u.source === "config" && !nextNames.has(name)) plan.removed.push(name);
  for (const spec of next) {
    const u = current.get(spec.name);
    if (!u) plan.added.push(spec.name);
    else if (u.source === "runtime" || !sameSpec(u.spec, spec)) plan.changed.push(spec.name);
    else plan.unchanged.push(spec.name);
  }
  return plan;
}

// Two specs are the same run if everything but the raw text is equal.
function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  const { raw: _a, ...restA } = a;
  const { raw: _b, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}
