import {
  childrenOfSelf,
  environHas,
  isLiveOther,
  type ProcStat,
  type ProcTable,
  pidTakenByOther,
  readStat,
  runMarkerOf,
  scanProcTable,
} from "./proc-fs.ts";
import { spawnedPids } from "./spawn.ts";

// Every live process that belongs to one run: the leader's process group, the leader's
// descendants, and anything carrying the run's environment marker (which survives setsid and
// double forks) together with its descendants. findTree searches one /proc scan (a ProcTable),
// its own unless given one.
export interface TreeQuery {
  leaderPid: number | null;
  // The leader's /proc start time when known. Once the leader has been reaped its pid may be
  // handed to an unrelated process: a live pid with another start time is not the leader, and
  // then neither its group nor its descendants are ours.
  leaderStartTicks?: number | null;
  marker: string | null; // "TEND_RUN=42"
  // While we are the subreaper every orphan of a run is re-parented to us, so only our own
  // children need their environment read. After a crash of the supervisor they may be anywhere.
  markerScope: "reparented" | "everywhere";
  // With markerScope everywhere: a process found by its marker must carry this entry too.
  owner?: string;
}

// The leader's pid (and so its process group id) if it is still the leader's in `procs`; null
// once the pid belongs to another process. A pid nobody holds is returned: the group may
// outlive its leader.
export function leaderIn(q: TreeQuery, procs: ProcTable): number | null {
  if (q.leaderPid === null || pidTakenByOther(q.leaderPid, q.leaderStartTicks ?? null, procs)) return null;
  return q.leaderPid;
}

export function findTree(q: TreeQuery, procs: ProcTable = scanProcTable()): number[] {
  const leaderPid = leaderIn(q, procs);
  const roots: number[] = [];
  if (leaderPid !== null) {
    const leader = procs.get(leaderPid);
    if (leader && isLiveOther(leader)) roots.push(leaderPid);
    roots.push(...procs.groupOf(leaderPid));
  }
  if (q.marker !== null) {
    if (q.markerScope === "reparented") roots.push(...procs.ownChildrenMarked(q.marker));
    else
      for (const p of procs.list)
        if (isLiveOther(p) && inScope(q, p) && runMarkerOf(p) === q.marker && owned(q, p)) roots.push(p.pid);
  }
  const found = new Set<number>();
  while (roots.length > 0) {
    const pid = roots.pop() as number;
    if (found.has(pid)) continue;
    found.add(pid);
    roots.push(...procs.childrenOf(pid));
  }
  return [...found];
}

function owned(q: TreeQuery, p: ProcStat): boolean {
  return q.owner === undefined || q.markerScope === "reparented" || environHas(p.pid, q.owner);
}

function inScope(q: TreeQuery, p: ProcStat): boolean {
  if (p.ppid === 0) return false; // kernel threads
  return q.markerScope === "everywhere" || p.ppid === process.pid;
}

// What is left of a run whose leader has exited: processes carrying its marker, and theirs. As
// subreaper we inherit every orphan of the run, so they are among our own children. Reading
// those (a few small files) first spares the common case, nothing left, a scan of all of /proc
// (2 ms with 165 processes on the host, more with each) on every restart. The kernel may skip a
// child in that list while a sibling exits, so the list counts only when two reads agree.
export function orphansOf(marker: string): number[] {
  const children = childrenOfSelf();
  const again = childrenOfSelf();
  const stable = children.length === again.length && children.every((pid, i) => again[i] === pid);
  const marked = (pid: number) => {
    if (spawnedPids.has(pid)) return false; // a leader of a run of its own
    const st = readStat(pid);
    return st !== null && runMarkerOf(st) === marker;
  };
  if (stable && !children.some(marked)) return [];
  return findTree({ leaderPid: null, marker, markerScope: "reparented" });
}
