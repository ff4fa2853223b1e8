import { cgroupEvents, cgroupProcs, freezeCgroup, holdsSelf, killCgroup, removeCgroup } from "./cgroup.ts";
import type { StopTreeResult } from "./kill-tree.ts";
import { pidTakenByOther, readStat } from "./proc-fs.ts";
import { signalNumber } from "./signals.ts";

// A run's stop in a cgroup: stop_signal to the leader's group (or to the main process of a
// forking service) and to every other member, SIGCONT so a stopped process can act on it, a
// frozen cgroup thawed; after timeoutMs cgroup.kill. Complete when cgroup.events says
// `populated 0`; the empty cgroup is then removed. cgroup.events is read every pollMs, and at
// once when the leader's exit is seen: most runs are the leader alone, and their stop then takes
// as long as the process takes to exit, not a poll interval.
export interface CgroupStop {
  path: string;
  leader: { pid: number; startTicks: number | null } | null; // its process group gets the signal
  // Resolves when the leader (a child of this supervisor) has exited; absent for a run
  // recovered from an earlier supervisor.
  leaderExited?: Promise<unknown>;
  signal: string;
  timeoutMs: number;
  pollMs?: number;
}

export async function stopCgroup(o: CgroupStop): Promise<StopTreeResult> {
  const pollMs = o.pollMs ?? 10;
  const members = cgroupProcs(o.path);
  const found = members.length;
  if (!cgroupEvents(o.path).populated) {
    removeCgroup(o.path);
    return { found: 0, killed: false, survivors: [] };
  }
  const sig = signalNumber(o.signal) ?? 15;
  const leader = o.leader && !pidTakenByOther(o.leader.pid, o.leader.startTicks) ? o.leader.pid : null;
  if (leader !== null) send(-leader, sig);
  // Members in the leader's group (the leader first of all) already have it; a second SIGTERM
  // means "now" to some.
  for (const pid of members)
    if (leader === null || (pid !== leader && groupOf(pid) !== leader)) send(pid, sig);
  for (const pid of members) send(pid, 18);
  // Thawed whatever the freeze has reached so far (one still under way reads frozen 0).
  freezeCgroup(o.path, false);
  if (await emptyBy(o.path, performance.now() + o.timeoutMs, pollMs, o.leaderExited)) {
    removeCgroup(o.path);
    return { found, killed: false, survivors: [] };
  }
  // tend must never be in a run's cgroup (spawnInside sees to it); if it were, this would kill it.
  if (holdsSelf(o.path)) throw new Error(`tend itself is in ${o.path}: not killing through it`);
  killCgroup(o.path);
  const gone = await emptyBy(o.path, performance.now() + 5000, pollMs);
  const survivors = gone ? [] : cgroupProcs(o.path);
  removeCgroup(o.path);
  return { found, killed: true, survivors };
}

// Whether the cgroup emptied by `deadline`. Until `wake` (the leader's exit) has come, a wait
// also ends when it does; after that, the waits are the poll's.
async function emptyBy(
  path: string,
  deadline: number,
  pollMs: number,
  wake?: Promise<unknown>,
): Promise<boolean> {
  // A leader whose exit could not be read rejects: the poll still finds the cgroup empty.
  let early: Promise<unknown> | undefined = wake?.then(
    () => undefined,
    () => undefined,
  );
  early?.then(() => {
    early = undefined;
  });
  for (;;) {
    if (!cgroupEvents(path).populated) return true;
    if (performance.now() >= deadline) return false;
    await sleepUnless(Math.min(pollMs, Math.max(1, deadline - performance.now())), early);
  }
}

// Sleeps `ms`, or less if `until` settles first, and leaves no timer behind.
async function sleepUnless(ms: number, until: Promise<unknown> | undefined): Promise<void> {
  if (!until) return Bun.sleep(ms);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([until, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function send(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: gone already; the cgroup's emptiness is what counts.
  }
}

function groupOf(pid: number): number | null {
  return readStat(pid)?.pgid ?? null;
}
