import type { Clock } from "../clock.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import type { ExitInfo } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import { signalLeaderGroup } from "../proc/kill-tree.ts";
import type { ChildHandle } from "../proc/spawn.ts";
import type { Store } from "../store/store.ts";
import type { Launcher } from "./launcher.ts";

// One run of a process: the OS side of a unit's state machine (spawn and record, kill and wait).
export interface Run {
  id: number;
  child: ChildHandle;
  startedAtMs: number; // monotonic
  startedAtWall: number;
}

interface RunDeps {
  clock: Clock;
  store: Store;
  launcher: Launcher;
}

// Starts a run and records it; a spawn that throws is recorded as a run that ended at once.
export function launchRun(deps: RunDeps, spec: ProcessSpec): { run: Run } | { error: string } {
  const { store, clock, launcher } = deps;
  const runId = store.beginRun(spec.name, clock.wallMs());
  let child: ChildHandle;
  try {
    child = launcher.spawn(spec, runId);
  } catch (err) {
    store.endRun(runId, clock.wallMs(), null, "spawn_failed");
    return { error: errorMessage(err) };
  }
  store.setRunPid(runId, child.pid, child.startTicks);
  return { run: { id: runId, child, startedAtMs: clock.nowMs(), startedAtWall: clock.wallMs() } };
}

// stop_signal to the run's whole tree, SIGKILL after stop_timeout; resolves once the leader's
// exit is known. `error` says what went wrong, including processes that survived SIGKILL.
export async function killRunTree(
  launcher: Launcher,
  spec: ProcessSpec,
  run: Run,
): Promise<{ exit: ExitInfo | null; error: string | null }> {
  try {
    const result = await launcher.stop(run.child, run.id, spec.stopSignal, spec.stopTimeoutMs);
    const exit = await run.child.exited;
    const error = result.survivors.length
      ? `processes survived SIGKILL: ${result.survivors.join(" ")}`
      : null;
    return { exit, error };
  } catch (err) {
    // The tree could not be walked (e.g. /proc unreadable): kill what we can reach for sure
    // and wait for the leader, rather than report a stop that did not happen.
    try {
      signalLeaderGroup(run.child, 9);
    } catch {}
    const exit = await run.child.exited;
    return { exit, error: errorMessage(err) };
  }
}
