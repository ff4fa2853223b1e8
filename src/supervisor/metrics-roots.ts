import type { TreeRoot } from "../metrics/tree-sample.ts";
import { runMarker } from "./launcher.ts";

// One tree root per unit that has a run: its leader and the run's environment marker.
export function runningRoots(
  units: Iterable<{ name: string; pid: number | null; runId: number | null }>,
): TreeRoot[] {
  const roots: TreeRoot[] = [];
  for (const u of units) {
    if (u.pid !== null && u.runId !== null)
      roots.push({ name: u.name, leaderPid: u.pid, marker: runMarker(u.runId) });
  }
  return roots;
}
