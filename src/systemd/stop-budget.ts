import type { ProcessSpec } from "../config/process-spec.ts";

// How long `tend down` can take at worst: dependents stop before what they depend on, so stop
// timeouts add up along each dependency chain, and independent chains run in parallel. The
// longest chain's sum is what TimeoutStopSec must exceed.
export function longestStopChainMs(
  processes: readonly Pick<ProcessSpec, "name" | "stopTimeoutMs" | "dependsOn">[],
): number {
  const byName = new Map(processes.map((p) => [p.name, p]));
  const dependents = new Map<string, string[]>();
  for (const p of processes)
    for (const d of p.dependsOn) dependents.set(d.name, [...(dependents.get(d.name) ?? []), p.name]);
  const memo = new Map<string, number>();
  const onPath = new Set<string>();
  // The time from the start of a shutdown until `name` has stopped.
  const doneBy = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (onPath.has(name)) return 0; // a cycle (a config error) has no order to add up
    onPath.add(name);
    const before = Math.max(0, ...(dependents.get(name) ?? []).map(doneBy));
    onPath.delete(name);
    const total = before + (byName.get(name)?.stopTimeoutMs ?? 0);
    memo.set(name, total);
    return total;
  };
  return Math.max(0, ...processes.map((p) => doneBy(p.name)));
}
