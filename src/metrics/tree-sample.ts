import { readdirSync, statSync } from "node:fs";
import { release } from "node:os";
import { cgroupCpuUsec, cgroupMemoryBytes, cgroupProcs } from "../proc/cgroup.ts";
import { environHas, type ProcStat, scanProcesses } from "../proc/proc-fs.ts";

export interface TreeUsage {
  pids: number[];
  cpuTicks: number; // summed utime+stime of the live members
  rssBytes: number;
  threads: number;
  fds: number;
}

export interface TreeRoot {
  name: string;
  leaderPid: number;
  marker: string; // "TEND_RUN=42": finds members that left the group and were re-parented to us
  cgroup?: string | null; // in cgroup mode: the members are its cgroup.procs, whoever they are
  startedMs?: number; // when the run started, on the sampler's clock: the first sample's CPU is since then
}

const PAGE_BYTES = 4096;

// One /proc scan for every supervised tree at once: a process-compose-style scan per process per
// tick is what burns a core with hundreds of processes. Open fds are counted only for members.
export function sampleTrees(roots: TreeRoot[], procs: ProcStat[] = scanProcesses()): Map<string, TreeUsage> {
  const self = process.pid;
  const byPid = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    if (p.state === "Z" || p.state === "X") continue;
    byPid.set(p.pid, p);
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const leaders = new Set(roots.map((r) => r.leaderPid));
  // Our own children that are not run leaders: orphans re-parented to the subreaper.
  const adopted = (children.get(self) ?? []).filter((pid) => !leaders.has(pid));
  const out = new Map<string, TreeUsage>();
  for (const root of roots) {
    const inCgroup = root.cgroup ? cgroupProcs(root.cgroup) : null;
    const starts = inCgroup ?? [root.leaderPid, ...adopted.filter((pid) => environHas(pid, root.marker))];
    const seen = new Set<number>();
    const usage: TreeUsage = { pids: [], cpuTicks: 0, rssBytes: 0, threads: 0, fds: 0 };
    while (starts.length > 0) {
      const pid = starts.pop() as number;
      const st = byPid.get(pid);
      if (!st || seen.has(pid)) continue;
      seen.add(pid);
      usage.pids.push(pid);
      usage.cpuTicks += st.cpuTicks;
      usage.rssBytes += st.rssPages * PAGE_BYTES;
      usage.threads += st.threads;
      usage.fds += countFds(pid);
      if (!inCgroup) for (const c of children.get(pid) ?? []) starts.push(c);
    }
    // Where the memory controller is on, the kernel's count (page cache of the run included).
    const memory = root.cgroup ? cgroupMemoryBytes(root.cgroup) : null;
    if (memory !== null) usage.rssBytes = memory;
    // The cgroup's cpu.stat counts every process the run ever had, those gone included (it is
    // there without the cpu controller); in ticks of USER_HZ, as /proc counts.
    const usec = root.cgroup ? cgroupCpuUsec(root.cgroup) : null;
    if (usec !== null) usage.cpuTicks = Math.round((usec * USER_HZ) / 1_000_000);
    out.set(root.name, usage);
  }
  return out;
}

// Since Linux 6.2 a stat() of /proc/PID/fd gives the number of open fds as its size: one call
// instead of listing the directory (a quarter of a tick's time with 500 processes). Older
// kernels say 0 there; they, and any kernel whose release does not read as Linux 6.2 or later,
// get the directory listed.
const FD_COUNT_BY_STAT = (() => {
  const [major = 0, minor = 0] = release()
    .split(".")
    .map((n) => Number.parseInt(n, 10));
  return major > 6 || (major === 6 && minor >= 2);
})();

function countFds(pid: number): number {
  const dir = `/proc/${pid}/fd`;
  try {
    return (FD_COUNT_BY_STAT && statSync(dir).size) || readdirSync(dir).length;
  } catch {
    return 0;
  }
}

const USER_HZ = 100;
