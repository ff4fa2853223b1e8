import type { Clock, TimerHandle } from "../../clock.ts";
import type { ProcessSpec } from "../../config/process-spec.ts";
import type { ExitInfo } from "../../domain/types.ts";
import { errorMessage } from "../../errors.ts";
import { signalLeaderGroup } from "../../proc/kill-tree.ts";
import type { ChildHandle } from "../../proc/spawn.ts";
import type { RecordKeeper } from "../../store/record-keeper.ts";
import type { Launcher } from "../launcher.ts";

// One run of a process: the OS side of a unit's state machine. A run keeps the spec it was
// started with, so it is stopped (stop_signal, stop_timeout) and probed as it began, whatever
// a reload changed since.
export interface Run {
  id: number;
  child: ChildHandle; // the leader; for a forking service, its main process once it has forked
  spec: ProcessSpec;
  startedAtMs: number; // monotonic
  startedAtWall: number;
  exit: ExitInfo | null; // the leader's, once it is known
  exitRecorded: boolean;
  endReason: string | null; // why it ended (exited, crashed, stopped, restart, liveness, …)
  stopping: boolean; // a stop of its tree is under way
  forked: boolean; // a forking service whose main process was adopted: its exit ends the run
  firstStartTicks: number | null; // when the run's first process started (its main is no older)
  deadline: TimerHandle | null; // timeout: ends the run when it fires
}

interface RunDeps {
  clock: Clock;
  records: RecordKeeper;
  launcher: Launcher;
}

// Starts a run and records it; a spawn that throws is recorded as a run that ended at once.
export function launchRun(deps: RunDeps, spec: ProcessSpec): { run: Run } | { error: string } {
  const { records, clock, launcher } = deps;
  const runId = records.beginRun(spec.name, clock.wallMs());
  let child: ChildHandle;
  try {
    child = launcher.spawn(spec, runId);
  } catch (err) {
    records.endRun(runId, clock.wallMs(), null, "spawn_failed");
    return { error: errorMessage(err) };
  }
  records.setRunPid(runId, child.pid, child.startTicks, launcher.tracking.cgroupOf(runId));
  const run: Run = {
    id: runId,
    child,
    spec,
    startedAtMs: clock.nowMs(),
    startedAtWall: clock.wallMs(),
    exit: null,
    exitRecorded: false,
    endReason: null,
    stopping: false,
    forked: false,
    firstStartTicks: child.startTicks,
    deadline: null,
  };
  return { run };
}

// stop_signal to the run's whole tree, SIGKILL after stop_timeout (both from the run's own
// spec); resolves once the tree is gone and the leader's exit is known. `survivors` says what
// went wrong: processes that outlived SIGKILL, or a tree that could not be read. `force`:
// SIGKILL at once (tend stop --force).
export async function stopRunTree(
  launcher: Launcher,
  run: Run,
  force = false,
): Promise<{ exit: ExitInfo; survivors: string | null }> {
  const { stopSignal, stopTimeoutMs } = force ? { stopSignal: "SIGKILL", stopTimeoutMs: 0 } : run.spec;
  try {
    const result = await launcher.stop(run.child, run.id, stopSignal, stopTimeoutMs);
    if (result.survivors.length === 0) return { exit: await run.child.exited, survivors: null };
    // A leader among the survivors (stuck in the kernel, say) may never exit: its exit is then
    // unknown, and the stop ends anyway, reported as unsure.
    const exit = await exitWithin(run.child, 1000);
    return { exit, survivors: `processes survived SIGKILL: ${result.survivors.join(" ")}` };
  } catch (err) {
    // The tree could not be walked (e.g. /proc unreadable): kill what we can reach for sure
    // and wait for the leader, but report the stop as unsure, so no second copy follows.
    try {
      signalLeaderGroup(run.child, 9);
    } catch {
      // ESRCH: the group is already gone.
    }
    const exit = await exitWithin(run.child, 1000);
    return { exit, survivors: `the run's processes could not be listed: ${errorMessage(err)}` };
  }
}

function exitWithin(child: ChildHandle, ms: number): Promise<ExitInfo> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unknown = new Promise<ExitInfo>((resolve) => {
    timer = setTimeout(() => resolve({ code: null, signal: null }), ms);
  });
  return Promise.race([child.exited, unknown]).finally(() => clearTimeout(timer));
}
