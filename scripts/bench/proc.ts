import { readdirSync, readFileSync } from "node:fs";

// Linux /proc readers. A zombie still has a /proc entry, so "alive" means not Z or X.

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

// A kB field of /proc/PID/status (VmRSS, RssAnon, RssFile), or null once the process is gone.
export function statusKb(pid: number, field: string): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "latin1").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// VmRSS of one process in kB, or null once it is gone.
export function rssKb(pid: number): number | null {
  return statusKb(pid, "VmRSS");
}

// Every live process whose environment holds `marker` (NAME=value). Children inherit the
// environment, so this finds everything a bench daemon started, even ones that left its tree.
export function pidsWithEnv(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "latin1");
      if ((env.startsWith(`${marker}\0`) || env.includes(`\0${marker}\0`)) && isAlive(pid)) out.push(pid);
    } catch {}
  }
  return out;
}

export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

// CPU time of one process in ms: the sum of its live threads' run time from
// /proc/PID/task/TID/schedstat (nanoseconds; utime/stime in /proc/PID/stat move in 10 ms ticks
// and can miss short bursts). Null once the process is gone.
export function cpuMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);
      } catch {} // the thread ended meanwhile
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}
