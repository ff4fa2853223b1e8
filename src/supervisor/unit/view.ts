import type { ProcessDetail } from "../../domain/shapes.ts";
import type { ProcessSnapshot, RunRecord } from "../../domain/types.ts";
import { TendError } from "../../errors.ts";
import type { TriggerInfo } from "../triggers.ts";
import type { Unit } from "./unit.ts";

// What `tend ps` and `tend status` show of a unit. Everything about a run (pid, uptime, cpu,
// memory, the last probe, progress) is of the current run only: a sample or a probe result
// taken of an earlier run is never shown as this one's.
export function snapshotOf(u: Unit): ProcessSnapshot {
  const now = u.deps.clock.nowMs();
  const run = u.run;
  const usage = run && run.exit === null ? (u.deps.usage?.(u.name, run.id) ?? null) : null;
  return {
    name: u.name,
    state: u.state,
    health: u.health,
    pid: u.pid,
    startedAt: run?.startedAtWall ?? null,
    uptimeMs: run ? Math.round(now - run.startedAtMs) : null,
    restarts: u.restarts,
    consecutiveRestarts: u.restartsInRow,
    lastExit: u.lastExit,
    reason: u.reason,
    nextStartInMs: u.backoff === null ? null : Math.max(0, Math.round(u.backoff.atMs - now)),
    waitingFor: u.state === "waiting" ? u.waitingFor : null,
    lastProbe: run ? u.probes.last : null,
    source: u.source,
    cpu: usage?.cpuPercent ?? null,
    memory: usage?.rssBytes ?? null,
    fds: usage?.fds ?? null,
    threads: usage?.threads ?? null,
    progress: u.progress.info(run !== null),
    replicaOf: u.spec.replica?.of ?? null,
    instance: u.spec.replica?.index ?? null,
  };
}

// `tend status`: the snapshot, with the spec and `runs` (the latest first).
export function detailOf(
  u: Unit,
  runs: RunRecord[],
  storeWarning: string | null,
  triggers: TriggerInfo | null = null,
): ProcessDetail {
  return {
    ...snapshotOf(u),
    command: u.spec.argv,
    cwd: u.spec.cwd,
    port: u.spec.port,
    restartPolicy: u.policy.restart,
    lastError: u.lastError,
    spec: u.spec.raw,
    runs,
    probes: u.probes.reports(),
    dependsOn: u.spec.dependsOn,
    preset: u.spec.preset,
    storeWarning,
    tracking: trackingOf(u),
    timeoutMs: u.spec.timeoutMs,
    environment: u.spec.environment,
    overrides: u.overrides,
    triggers,
  };
}

// What an operator is told when the table refuses `action` in the unit's phase.
export function refusalOf(u: Unit, action: string): TendError {
  if (action === "signal" && !u.run)
    return new TendError("INVALID_STATE", `${u.name} is ${u.state}; there is no process to signal`);
  const gone = u.phase === "retired" || u.phase === "retiring";
  const why = !gone
    ? `it is ${u.state}`
    : u.reason === "shutdown"
      ? "the supervisor is shutting down"
      : "it was removed";
  return new TendError("INVALID_STATE", `cannot ${action} ${u.name}: ${why}`);
}

function trackingOf(u: Unit): string {
  const t = u.deps.launcher.tracking;
  const cgroup = u.run ? t.cgroupOf(u.run.id) : null;
  return cgroup ? `cgroup ${cgroup}` : t.describe;
}
