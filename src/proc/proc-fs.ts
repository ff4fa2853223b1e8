import { readdirSync, readFileSync } from "node:fs";

// Readers for Linux /proc. All return null for a process that is gone; they never throw for that.
export interface ProcStat {
  pid: number;
  comm: string;
  state: string; // R S D Z T t X …
  ppid: number;
  pgid: number;
  sid: number;
  startTicks: number; // field 22: start time after boot, in clock ticks
  cpuTicks: number; // fields 14 + 15: utime + stime, in clock ticks
  threads: number; // field 20
  rssPages: number; // field 24
}

export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  return parseStat(text);
}

export function parseStat(text: string): ProcStat | null {
  // comm may contain spaces and parentheses; it ends at the last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < 0) return null;
  const f = text.slice(close + 2).split(" ");
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0] ?? "?",
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    startTicks: Number(f[19]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    threads: Number(f[17]),
    rssPages: Number(f[21]),
  };
}

export function listPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

export function scanProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const pid of listPids()) {
    const st = readStat(pid);
    if (st) out.push(st);
  }
  return out;
}

// One scan of /proc, with the lookups a tree search needs, each built on first use: a search
// then costs the size of the tree it finds, not a pass over every process on the host. Zombies
// and this process are left out of the lookups (they are in `list`).
export class ProcTable {
  private pids: Map<number, ProcStat> | null = null;
  private kids: Map<number, number[]> | null = null;
  private groups: Map<number, number[]> | null = null;
  private marked: Map<string, number[]> | null = null;

  constructor(readonly list: ProcStat[]) {}

  get(pid: number): ProcStat | undefined {
    this.pids ??= new Map(this.list.map((p) => [p.pid, p]));
    return this.pids.get(pid);
  }

  // Live processes whose parent is `pid`.
  childrenOf(pid: number): readonly number[] {
    this.kids ??= indexBy(this.list, (p) => p.ppid);
    return this.kids.get(pid) ?? NONE;
  }

  // Live members of process group `pgid`.
  groupOf(pgid: number): readonly number[] {
    this.groups ??= indexBy(this.list, (p) => p.pgid);
    return this.groups.get(pgid) ?? NONE;
  }

  // Live children of this process whose environment carries `marker` (TEND_RUN=…).
  ownChildrenMarked(marker: string): readonly number[] {
    if (!this.marked) {
      this.marked = new Map();
      for (const pid of this.childrenOf(process.pid)) {
        const p = this.get(pid) as ProcStat;
        const m = runMarkerOf(p);
        if (m === null) continue;
        const list = this.marked.get(m);
        if (list) list.push(pid);
        else this.marked.set(m, [pid]);
      }
    }
    return this.marked.get(marker) ?? NONE;
  }
}

const NONE: readonly number[] = [];

// A process a tree search may count: alive (not a zombie) and not this supervisor.
export function isLiveOther(p: ProcStat): boolean {
  return p.state !== "Z" && p.state !== "X" && p.pid !== process.pid;
}

function indexBy(list: ProcStat[], key: (p: ProcStat) => number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const p of list) {
    if (!isLiveOther(p)) continue;
    const k = key(p);
    const l = out.get(k);
    if (l) l.push(p.pid);
    else out.set(k, [p.pid]);
  }
  return out;
}

export function scanProcTable(): ProcTable {
  return new ProcTable(scanProcesses());
}

// Many stops at once (tend down with hundreds of processes) each need a scan, first and then
// at every poll. One begun on the next turn of the event loop serves every caller that asked
// before it: it is as fresh as each of them needs, and 500 stops cost one scan per round
// instead of 500 (about 10 ms each with 1000 processes).
let next: Promise<ProcTable> | null = null;

export function nextProcTable(): Promise<ProcTable> {
  next ??= new Promise((resolve, reject) =>
    setImmediate(() => {
      next = null;
      try {
        resolve(scanProcTable());
      } catch (err) {
        reject(err);
      }
    }),
  );
  return next;
}

// The TEND_RUN entry of a process's environment, remembered per process (pid and start time):
// a stop of hundreds of processes would otherwise read every sibling's environ on every poll.
// Only found markers are remembered: between fork and exec a child still shows its parent's
// environment, so an absent marker may yet appear.
const runMarkers = new Map<number, { startTicks: number; marker: string }>();

export function runMarkerOf(p: ProcStat): string | null {
  const known = runMarkers.get(p.pid);
  if (known && known.startTicks === p.startTicks) return known.marker;
  let env: string;
  try {
    env = readFileSync(`/proc/${p.pid}/environ`, "latin1");
  } catch {
    return null;
  }
  const at = env.startsWith("TEND_RUN=") ? 0 : env.indexOf("\0TEND_RUN=") + 1;
  if (at <= 0 && !env.startsWith("TEND_RUN=")) return null;
  const end = env.indexOf("\0", at);
  const marker = env.slice(at, end < 0 ? undefined : end);
  if (runMarkers.size > 20_000) runMarkers.clear();
  runMarkers.set(p.pid, { startTicks: p.startTicks, marker });
  return marker;
}

export function environHas(pid: number, entry: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, "latin1");
    return env.startsWith(`${entry}\0`) || env.includes(`\0${entry}\0`);
  } catch {
    return false;
  }
}

// True if `pid` is alive and is the same process we recorded (pids are reused; start time is not).
export function isSameProcess(pid: number, startTicks: number | null): boolean {
  const st = readStat(pid);
  if (!st || st.state === "Z" || st.state === "X") return false;
  return startTicks === null || st.startTicks === startTicks;
}

// True if `pid` now belongs to another process than the one started at `startTicks` (it was
// reaped and the number handed out again), as /proc shows it now or in the scan `procs`. A pid
// nobody holds is not taken; without a start time to compare, the pid is taken at its word.
export function pidTakenByOther(pid: number, startTicks: number | null, procs?: ProcTable): boolean {
  if (startTicks === null) return false;
  const st = procs ? procs.get(pid) : readStat(pid);
  return st !== undefined && st !== null && st.startTicks !== startTicks;
}

export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== null && st.state !== "Z" && st.state !== "X";
}

// Children of this process, re-parented orphans included.
export function childrenOfSelf(): number[] {
  const self = process.pid;
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${self}/task`)) {
      const text = readFileSync(`/proc/${self}/task/${tid}/children`, "latin1").trim();
      if (text) for (const p of text.split(" ")) out.push(Number(p));
    }
    return out;
  } catch {
    return scanProcesses()
      .filter((p) => p.ppid === self)
      .map((p) => p.pid);
  }
}
