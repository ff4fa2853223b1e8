import { reapPid } from "./libc.ts";
import { childrenOfSelf, readStat } from "./proc-fs.ts";
import { spawnedPids } from "./spawn.ts";

// With the subreaper bit set, orphaned grandchildren become our children; when they exit they
// stay zombies until someone waits for them. Bun waits only for the children it spawned, so on
// every SIGCHLD we reap the zombies that are ours but not Bun's.
export function reapOrphans(): number {
  let reaped = 0;
  for (const pid of childrenOfSelf()) {
    if (spawnedPids.has(pid)) continue;
    if (readStat(pid)?.state !== "Z") continue;
    if (reapPid(pid)) reaped++;
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
