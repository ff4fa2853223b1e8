import { readdirSync, readFileSync } from "node:fs";

// Readers for /proc used by assertions: a process's state, parent and start time, its memory and
// open files. All return null (or []) for a process that is gone.
export interface Stat {
  pid: number;
  state: string; // R S D T t Z X …
  ppid: number;
  pgid: number;
  startTicks: number;
}

export function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses; the fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pid, state: f[0] ?? "?", ppid: Number(f[1]), pgid: Number(f[2]), startTicks: Number(f[19]) };
}

// A recorded process, identified by pid and start time so a reused pid is never mistaken for it.
export interface ProcId {
  pid: number;
  startTicks: number;
}

export function procId(pid: number): ProcId | null {
  const st = readStat(pid);
  return st ? { pid, startTicks: st.startTicks } : null;
}

export function stillAlive(p: ProcId): boolean {
  const st = readStat(p.pid);
  return st !== null && st.startTicks === p.startTicks && st.state !== "Z" && st.state !== "X";
}

export function zombieChildrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st && st.ppid === ppid && st.state === "Z") out.push(st.pid);
  }
  return out;
}

export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

export function openFds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`);
}
