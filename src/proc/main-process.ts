import { readFileSync } from "node:fs";
import type { ExitInfo } from "../domain/types.ts";
import { isSameProcess, readStat } from "./proc-fs.ts";
import { onReaped } from "./reaper.ts";
import type { ChildHandle } from "./spawn.ts";

// A forking service (type = "forking"): the program tend starts daemonizes and exits; the run
// goes on in the process it left, its main process: the pid in pid_file, else the oldest member
// of the run. Like systemd's Type=forking, a pid file written a moment after the parent exited
// is waited for (up to waitMs). A pid file is trusted only for a process of this run: started
// no earlier than the run's first process, and (with cgroups) one of its members; a stale file
// naming a process of an earlier run, or a reused pid, is waited past.
export interface MainQuery {
  pidFile: string | null;
  members: () => number[];
  notBefore: number | null; // start time (clock ticks) of the run's first process
  mustBeMember: boolean; // members() is exact (cgroups): the pid must be among them
  waitMs?: number;
}

export async function findMainProcess(
  q: MainQuery,
): Promise<{ pid: number; startTicks: number | null } | null> {
  const deadline = performance.now() + (q.waitMs ?? 5000);
  for (;;) {
    const pid = q.pidFile ? pidIn(q.pidFile) : oldest(q.members());
    const st = pid === null ? null : readStat(pid);
    const ours =
      pid !== null &&
      st !== null &&
      st.state !== "Z" &&
      (q.notBefore === null || st.startTicks >= q.notBefore) &&
      (!q.mustBeMember || !q.pidFile || q.members().includes(pid));
    if (ours) return { pid, startTicks: st.startTicks };
    if (performance.now() >= deadline) return q.pidFile ? null : oldestOrNull(q.members());
    await Bun.sleep(20);
  }
}

function pidIn(file: string): number | null {
  try {
    const n = Number(readFileSync(file, "latin1").trim().split(/\s/)[0]);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null; // not written yet
  }
}

function oldest(pids: number[]): number | null {
  let best: { pid: number; start: number } | null = null;
  for (const pid of pids) {
    const st = readStat(pid);
    if (st && (best === null || st.startTicks < best.start)) best = { pid, start: st.startTicks };
  }
  return best?.pid ?? null;
}

function oldestOrNull(pids: number[]): { pid: number; startTicks: number | null } | null {
  const pid = oldest(pids);
  return pid === null ? null : { pid, startTicks: readStat(pid)?.startTicks ?? null };
}

// The main process as a run's leader: its exit is heard from the reaper (it was re-parented to
// tend, the subreaper), or, if it is not ours to reap, by watching it go.
export function mainProcessHandle(pid: number, startTicks: number | null): ChildHandle {
  const exited = new Promise<ExitInfo>((resolve) => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const done = (exit: ExitInfo) => {
      if (timer) clearInterval(timer);
      stopWatching();
      resolve(exit);
    };
    const stopWatching = onReaped(pid, done);
    // A process that is not our child exits without a wait status we could read.
    timer = setInterval(() => {
      if (!isSameProcess(pid, startTicks)) done({ code: null, signal: null });
    }, 1000);
  });
  return { pid, startTicks, exited, stdout: null, stderr: null };
}
