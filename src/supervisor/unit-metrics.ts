import { metricFamilies } from "../metrics/families.ts";
import type { Family } from "../metrics/prometheus.ts";
import type { ProcessMetrics } from "../metrics/sampler.ts";
import type { TreeRoot } from "../metrics/tree-sample.ts";
import { runMarker } from "./launcher.ts";
import type { MemoryGuard } from "./memory-guard.ts";
import type { ProcessUnit } from "./process-unit.ts";

// The supervisor's side of metrics: which trees to sample, what a sample means for max_memory,
// and the /metrics families built from the units and the latest samples.

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

// max_memory acts on the second sample in a row above the limit, for the same run.
export function noteSample(guard: MemoryGuard, u: ProcessUnit | undefined, m: ProcessMetrics): void {
  const runId = u?.runId ?? null;
  if (!u || runId === null) return;
  if (guard.note(u.name, runId, m.rssBytes, u.spec.maxMemoryBytes)) u.memoryExceeded(runId, m.rssBytes);
}

export function unitFamilies(
  units: Map<string, ProcessUnit>,
  usage: (name: string) => ProcessMetrics | null,
  uptimeMs: number,
): Family[] {
  const list = [...units.values()];
  return metricFamilies({
    processes: list.map((u) => u.snapshot()),
    // Only a unit with a run has a tree; an old sample of a stopped one is not shown.
    usage: (name) => (units.get(name)?.runId != null ? usage(name) : null),
    probeFailures: (name) => units.get(name)?.probes.failureCounts ?? {},
    supervisor: { uptimeMs, rssBytes: process.memoryUsage.rss() },
  });
}
