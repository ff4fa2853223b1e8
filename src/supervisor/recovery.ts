import { existsSync } from "node:fs";
import type { Clock } from "../clock.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { errorMessage } from "../errors.ts";
import { stopCgroup } from "../proc/cgroup-stop.ts";
import { type StopTreeResult, stopTree } from "../proc/kill-tree.ts";
import { isSameProcess } from "../proc/proc-fs.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import { runMarker } from "./tracking.ts";

export interface RecoveredRun {
  runId: number;
  process: string;
  pid: number;
  wasAlive: boolean;
  killed: boolean;
}

// After a crash of the supervisor (kill -9, OOM), runs recorded without an end may still be
// running. A run that lived in a cgroup is found there, whole; otherwise it is now parented to
// init, and a pid alone is never trusted: it must match the recorded /proc start time, and the
// tree is found again by the run's environment marker. Live ones are stopped and every open run
// is closed with reason `orphaned`. A run stays open until its whole tree is gone (a leader
// that exited leaves it open while its leftovers are stopped), so a supervisor killed at any
// moment finds here everything it had started. Run cgroups no record points to (a write that
// never reached the store) are stopped and removed too: `unrecorded` lists them.
export async function recoverOrphans(
  records: RecordKeeper,
  clock: Clock,
  specs: Map<string, ProcessSpec>,
  emit: (type: string, process: string | null, details: Record<string, unknown>) => void,
  owner?: string,
  unrecorded: () => string[] = () => [],
): Promise<RecoveredRun[]> {
  const open = records.store.openRuns();
  const recovered = await Promise.all(
    open.map(async (run): Promise<RecoveredRun> => {
      const leaderAlive = run.pid > 0 && isSameProcess(run.pid, run.pidStartTicks);
      const spec = specs.get(run.process);
      const signal = spec?.stopSignal ?? "SIGTERM";
      const timeoutMs = spec?.stopTimeoutMs ?? 10_000;
      let result: StopTreeResult;
      let error: string | null = null;
      try {
        if (run.cgroup && existsSync(run.cgroup)) {
          const leader = leaderAlive ? { pid: run.pid, startTicks: run.pidStartTicks } : null;
          result = await stopCgroup({
            path: run.cgroup,
            leader,
            signal,
            timeoutMs,
          });
        } else {
          result = await stopTree({
            leaderPid: leaderAlive ? run.pid : null,
            leaderStartTicks: run.pidStartTicks,
            marker: runMarker(run.id),
            markerScope: "everywhere",
            owner,
            signal,
            timeoutMs,
          });
        }
      } catch (err) {
        // One run that cannot be stopped does not keep the supervisor from starting: it is
        // reported with what went wrong, and the others are recovered.
        error = errorMessage(err);
        result = { found: 0, killed: false, survivors: [] };
      }
      if (result.survivors.length > 0) error = `processes survived SIGKILL: ${result.survivors.join(" ")}`;
      const wasAlive = leaderAlive || result.found > 0;
      records.endRun(run.id, clock.wallMs(), null, "orphaned");
      emit("process.orphan_stopped", run.process, {
        runId: run.id,
        pid: run.pid,
        wasAlive,
        killed: result.killed,
        ...(error ? { error } : {}),
      });
      return { runId: run.id, process: run.process, pid: run.pid, wasAlive, killed: result.killed };
    }),
  );
  const known = new Set(open.map((r) => r.cgroup));
  await Promise.all(
    unrecorded()
      .filter((path) => !known.has(path))
      .map(async (path) => {
        let details: Record<string, unknown>;
        try {
          const r = await stopCgroup({
            path,
            leader: null,
            signal: "SIGTERM",
            timeoutMs: 10_000,
          });
          details = { cgroup: path, found: r.found, killed: r.killed, survivors: r.survivors };
        } catch (err) {
          details = { cgroup: path, error: errorMessage(err) };
        }
        if (details.found !== 0) emit("process.orphan_stopped", null, details);
      }),
  );
  return recovered;
}
