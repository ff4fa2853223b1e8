import { metricFamilies } from "../metrics/families.ts";
import type { Family } from "../metrics/prometheus.ts";
import type { ProcessMetrics } from "../metrics/sampler.ts";
import type { TreeRoot } from "../metrics/tree-sample.ts";
import type { MemoryGuard } from "./memory-guard.ts";
import { runMarker } from "./tracking.ts";
import type { Unit } from "./unit/unit.ts";
import { snapshotOf } from "./unit/view.ts";

// The supervisor's side of metrics: which trees to sample, what a sample means for max_memory,
// and the /metrics families built from the units and the latest samples.

// One tree root per unit whose run's leader lives: its pid and the run's environment marker.
export function runningRoots(
  units: Iterable<{
    name: string;
    pid: number | null;
    runId: number | null;
    run?: { startedAtMs: number } | null;
  }>,
  cgroupOf: (runId: number) => string | null = () => null,
): TreeRoot[] {
  const roots: TreeRoot[] = [];
  for (const u of units) {
    if (u.pid !== null && u.runId !== null)
      roots.push({
        name: u.name,
        leaderPid: u.pid,
        marker: runMarker(u.runId),
        cgroup: cgroupOf(u.runId),
        startedMs: u.run?.startedAtMs,
      });
  }
  return roots;
}

// max_memory acts on the second sample in a row above the limit, for the same run.
export function noteSample(guard: MemoryGuard, u: Unit | undefined, m: ProcessMetrics): void {
  const runId = u?.runId ?? null;
  if (!u || runId === null) return;
  if (guard.note(u.name, runId, m.rssBytes, u.policy.maxMemoryBytes)) u.memoryExceeded(runId, m.rssBytes);
}

export function unitFamilies(
  units: Map<string, Unit>,
  usage: (name: string, runId: number) => ProcessMetrics | null,
  uptimeMs: number,
): Family[] {
  const list = [...units.values()];
  return metricFamilies({
    processes: list.map(snapshotOf),
    // Only a unit with a live run has a tree; a sample of an earlier run is not shown.
    usage: (name) => {
      const u = units.get(name);
      return u?.pid != null && u.runId !== null ? usage(name, u.runId) : null;
    },
    probeFailures: (name) => units.get(name)?.probes.failureCounts ?? {},
    supervisor: { uptimeMs, rssBytes: process.memoryUsage.rss() },
  });
}
