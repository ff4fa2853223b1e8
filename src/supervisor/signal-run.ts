import { TendError } from "../errors.ts";
import { signalLeaderGroup } from "../proc/kill-tree.ts";
import { signalNumber } from "../proc/signals.ts";
import type { ChildHandle } from "../proc/spawn.ts";
import { findTree } from "../proc/tree.ts";
import { runMarker } from "./tracking.ts";

// Signals go to the run's whole process group (the leader is a group leader by setsid), the way
// a terminal delivers ^C: a `sh -c` wrapper and what it started both receive it. Pause and
// resume reach further, to every member of the tree, so a descendant that called setsid is
// not left running while the rest is stopped. A leader that has exited may have been reaped and
// its pid given to another process: a pid showing another start time is never signalled.
export function sendToRun(run: { id: number; child: ChildHandle }, sig: string, wholeTree = false): void {
  const n = signalNumber(sig);
  if (n === null) throw new TendError("BAD_SIGNAL", `unknown signal "${sig}"`);
  const { pid, startTicks } = run.child;
  let sent: boolean;
  try {
    sent = signalLeaderGroup(run.child, n);
  } catch {
    // A leader that moved itself to another process group (checked above to be the leader).
    try {
      process.kill(pid, n);
      sent = true;
    } catch (err) {
      throw new TendError("INVALID_STATE", `cannot send ${sig} to pid ${pid}: ${String(err)}`);
    }
  }
  if (!sent) throw new TendError("INVALID_STATE", `cannot send ${sig}: pid ${pid} has exited`);
  if (!wholeTree) return;
  for (const pid of findTree({
    leaderPid: run.child.pid,
    leaderStartTicks: startTicks,
    marker: runMarker(run.id),
    markerScope: "reparented",
  })) {
    try {
      process.kill(pid, n);
    } catch {
      // Gone meanwhile.
    }
  }
}
