import { TendError } from "../errors.ts";
import { signalNumber } from "../proc/signals.ts";
import type { ChildHandle } from "../proc/spawn.ts";

// Signals go to the run's whole process group (the leader is a group leader by setsid), the way
// a terminal delivers ^C: a `sh -c` wrapper and what it started both receive it.
export function sendToRun(run: { child: ChildHandle }, sig: string): void {
  const n = signalNumber(sig);
  if (n === null) throw new TendError("BAD_SIGNAL", `unknown signal "${sig}"`);
  try {
    process.kill(-run.child.pid, n);
  } catch {
    try {
      process.kill(run.child.pid, n);
    } catch (err) {
      throw new TendError("INVALID_STATE", `cannot send ${sig} to pid ${run.child.pid}: ${String(err)}`);
    }
  }
}
