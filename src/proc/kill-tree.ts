import { nextProcTable, pidTakenByOther } from "./proc-fs.ts";
import { signalNumber } from "./signals.ts";
import { findTree, leaderIn, type TreeQuery } from "./tree.ts";

export interface StopTreeOptions extends TreeQuery {
  signal: string;
  timeoutMs: number;
  leaderExited?: Promise<unknown>;
  pollMs?: number;
}

export interface StopTreeResult {
  found: number; // members alive when the stop began
  killed: boolean; // SIGKILL was needed
  survivors: number[]; // pids still alive after SIGKILL and a grace period (should be empty)
}

// A signal to the process group a run's leader leads. Once the leader has been reaped its pid
// (and so the group id) may belong to another process: then nothing is sent and the answer is
// false. Throws what kill(2) throws (ESRCH: nobody is left in the group).
export function signalLeaderGroup(leader: { pid: number; startTicks: number | null }, sig: number): boolean {
  if (pidTakenByOther(leader.pid, leader.startTicks)) return false;
  process.kill(-leader.pid, sig);
  return true;
}

function sendToGroup(q: TreeQuery, sig: number): void {
  if (q.leaderPid === null) return;
  try {
    signalLeaderGroup({ pid: q.leaderPid, startTicks: q.leaderStartTicks ?? null }, sig);
  } catch {
    // ESRCH: the group is gone.
  }
}

function send(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone. EPERM: not ours to signal; the survivor check reports it.
  }
}

// stop_signal to the leader's group and to every member of the tree, SIGCONT so a stopped
// process can act on it (a SIGSTOPped process holds pending signals until continued), then
// SIGKILL to whatever is still alive after timeoutMs. Done only when no member is left.
export async function stopTree(opts: StopTreeOptions): Promise<StopTreeResult> {
  const sig = signalNumber(opts.signal) ?? 15;
  const pollMs = opts.pollMs ?? 10;
  // Stops asked for in the same moment (tend down) share one scan.
  const procs = await nextProcTable();
  let tree = findTree(opts, procs);
  const found = tree.length;
  // The group gets the signal once; members outside it (setsid) get it directly. Sending it
  // to each group member as well would deliver it twice, and many programs treat a second
  // SIGTERM as "quit now".
  const leaderPid = leaderIn(opts, procs);
  const outside = tree.filter((pid) => leaderPid === null || procs.get(pid)?.pgid !== leaderPid);
  if (leaderPid !== null) sendToGroup(opts, sig);
  for (const pid of outside) send(pid, sig);
  if (leaderPid !== null) sendToGroup(opts, 18);
  for (const pid of outside) send(pid, 18);

  const deadline = performance.now() + opts.timeoutMs;
  tree = await waitEmpty(opts, deadline, pollMs);
  if (tree.length === 0) return { found, killed: false, survivors: [] };

  // SIGKILL cannot be caught or blocked, and it also ends a stopped process.
  for (const pid of tree) send(pid, 9);
  sendToGroup(opts, 9);
  let survivors = await waitEmpty(opts, performance.now() + 5000, pollMs, (tree) => {
    for (const pid of tree) send(pid, 9);
  });
  if (survivors.length > 0) survivors = findTree(opts, await nextProcTable());
  return { found, killed: true, survivors };
}

async function waitEmpty(
  q: TreeQuery,
  deadline: number,
  pollMs: number,
  each?: (tree: number[]) => void,
): Promise<number[]> {
  for (;;) {
    await Bun.sleep(Math.min(pollMs, Math.max(1, deadline - performance.now())));
    const tree = findTree(q, await nextProcTable());
    if (tree.length === 0 || performance.now() >= deadline) return tree;
    each?.(tree);
  }
}
