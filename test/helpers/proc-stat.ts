import { readdirSync, readFileSync } from "node:fs";
import { isSameProcess, readStat, scanProcesses } from "../../src/proc/proc-fs.ts";

// Readers for /proc used by assertions, on top of the supervisor's own (src/proc/proc-fs.ts): a
// recorded process, zombies, memory and open files. All return null (or []) for a process that
// is gone.
export { readStat };

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
  return isSameProcess(p.pid, p.startTicks);
}

export function zombieChildrenOf(ppid: number): number[] {
  return scanProcesses()
    .filter((st) => st.ppid === ppid && st.state === "Z")
    .map((st) => st.pid);
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
