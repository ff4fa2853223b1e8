import type { Clock } from "../clock.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { stopTree } from "../proc/kill-tree.ts";
import { isSameProcess } from "../proc/proc-fs.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import { runMarker } from "./launcher.ts";

export interface RecoveredRun {
  runId: number;
  process: string;
  pid: number;
  wasAlive: boolean;
  killed: boolean;
}

// After a crash of the supervisor (kill -9, OOM), runs recorded without an end may still be
// running, now parented to init. A pid alone is never trusted: it must match the recorded
// /proc start time. Live ones are stopped as whole trees (found again by the run's environment
// marker), and every open run is closed with reason `orphaned`. A run stays open until its
// whole tree is gone (a leader that exited leaves it open while its leftovers are stopped), so a
// supervisor killed at any moment finds here everything it had started.
export async function recoverOrphans(
  records: RecordKeeper,
  clock: Clock,
  specs: Map<string, ProcessSpec>,
  emit: (type: string, process: string, details: Record<string, unknown>) => void,
  owner?: string,
): Promise<RecoveredRun[]> {
  const open = records.store.openRuns();
  return Promise.all(
    open.map(async (run): Promise<RecoveredRun> => {
      const leaderAlive = run.pid > 0 && isSameProcess(run.pid, run.pidStartTicks);
      const spec = specs.get(run.process);
      const result = await stopTree({
        leaderPid: leaderAlive ? run.pid : null,
        leaderStartTicks: run.pidStartTicks,
        marker: runMarker(run.id),
        markerScope: "everywhere",
        owner,
        signal: spec?.stopSignal ?? "SIGTERM",
        timeoutMs: spec?.stopTimeoutMs ?? 10_000,
      });
      const wasAlive = leaderAlive || result.found > 0;
      records.endRun(run.id, clock.wallMs(), null, "orphaned");
      emit("process.orphan_stopped", run.process, {
        runId: run.id,
        pid: run.pid,
        wasAlive,
        killed: result.killed,
      });
      return { runId: run.id, process: run.process, pid: run.pid, wasAlive, killed: result.killed };
    }),
  );
}
