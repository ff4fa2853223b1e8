import type { ExitInfo } from "../domain/types.ts";
import { reapPid } from "./libc.ts";
import { childrenOfSelf, readStat } from "./proc-fs.ts";
import { signalName } from "./signals.ts";
import { spawnedPids } from "./spawn.ts";

// Who wants to hear how an orphan ended: a forking service's main process is one (it was
// re-parented to us when the program that started it exited).
const watchers = new Map<number, (exit: ExitInfo) => void>();

export function onReaped(pid: number, fn: (exit: ExitInfo) => void): () => void {
  watchers.set(pid, fn);
  return () => watchers.delete(pid);
}

// A wait status as exit code or signal (the WIFEXITED / WTERMSIG of <sys/wait.h>).
export function decodeWaitStatus(status: number): ExitInfo {
  const sig = status & 0x7f;
  return sig === 0 ? { code: (status >> 8) & 0xff, signal: null } : { code: null, signal: signalName(sig) };
}

// With the subreaper bit set, orphaned grandchildren become our children; when they exit they
// stay zombies until someone waits for them. Bun waits only for the children it spawned, so on
// every SIGCHLD we reap the zombies that are ours but not Bun's.
export function reapOrphans(): number {
  let reaped = 0;
  for (const pid of childrenOfSelf()) {
    if (spawnedPids.has(pid)) continue;
    if (readStat(pid)?.state !== "Z") continue;
    const status = reapPid(pid);
    if (status === null) continue;
    reaped++;
    const fn = watchers.get(pid);
    watchers.delete(pid);
    fn?.(decodeWaitStatus(status));
  }
  return reaped;
}

export function installReaper(): () => void {
  const onChild = () => {
    reapOrphans();
  };
  process.on("SIGCHLD", onChild);
  return () => process.off("SIGCHLD", onChild);
}
