import { afterEach, expect, test } from "bun:test";
import { stopTree } from "../../src/proc/kill-tree.ts";
import { readStat } from "../../src/proc/proc-fs.ts";
import { findTree } from "../../src/proc/tree.ts";
import { sendToRun } from "../../src/supervisor/signal-run.ts";
import { isAlive, killAll } from "../helpers/pids.ts";
import { waitFor } from "../helpers/wait.ts";

// A run's leader that has exited and been reaped gives its pid back to the kernel, which may hand
// it to any new process. These tests stand a live process in for that newcomer: it holds the
// "leader's" pid, but with another start time, and must never be signalled.

const started: number[] = [];

afterEach(() => {
  killAll(started.splice(0));
});

// A process group of its own: `sh` (the group leader) and a `sleep` it started.
async function group(): Promise<{ leader: number; member: number; startTicks: number }> {
  const p = Bun.spawn(["sh", "-c", "sleep 60 & echo $!; wait"], { stdout: "pipe", detached: true });
  started.push(p.pid);
  const reader = (p.stdout as ReadableStream<Uint8Array>).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  const member = Number(new TextDecoder().decode(value).trim());
  started.push(member);
  const startTicks = readStat(p.pid)?.startTicks;
  if (startTicks === undefined) throw new Error(`no /proc/${p.pid}/stat for the group leader`);
  return { leader: p.pid, member, startTicks };
}

test("a leader pid now held by another process: neither it, its group nor its children are the tree", async () => {
  const g = await group();
  const query = { leaderPid: g.leader, marker: null, markerScope: "reparented" as const };
  expect(findTree({ ...query, leaderStartTicks: g.startTicks }).sort()).toEqual([g.leader, g.member].sort());
  expect(findTree({ ...query, leaderStartTicks: g.startTicks + 1 })).toEqual([]);
  // Without a start time to compare, the pid is taken at its word.
  expect(findTree({ ...query, leaderStartTicks: null }).sort()).toEqual([g.leader, g.member].sort());
});

test("stopTree leaves a reused leader pid's process group alone, and stops the real one", async () => {
  const g = await group();
  const query = { leaderPid: g.leader, marker: null, markerScope: "reparented" as const };
  const spared = await stopTree({
    ...query,
    leaderStartTicks: g.startTicks + 1,
    signal: "SIGTERM",
    timeoutMs: 200,
  });
  expect(spared).toEqual({ found: 0, killed: false, survivors: [] });
  expect([isAlive(g.leader), isAlive(g.member)], "the newcomer's group still alive").toEqual([true, true]);

  const stopped = await stopTree({
    ...query,
    leaderStartTicks: g.startTicks,
    signal: "SIGTERM",
    timeoutMs: 5000,
  });
  expect(stopped.found).toBe(2);
  expect(stopped.survivors).toEqual([]);
  await waitFor("the group to be gone", () => {
    const alive = [g.leader, g.member].filter(isAlive);
    if (alive.length) throw new Error(`still alive: ${alive.join(" ")}`);
    return true;
  });
});

test("a signal for a run whose leader pid now belongs to another process is refused, not delivered", async () => {
  const g = await group();
  const child = { pid: g.leader, startTicks: g.startTicks + 1, exited: new Promise<never>(() => {}) };
  const run = { id: 1, child: { ...child, stdout: null, stderr: null } };
  expect(() => sendToRun(run, "SIGTERM")).toThrow(`pid ${g.leader} has exited`);
  expect(() => sendToRun(run, "SIGSTOP", true)).toThrow(`pid ${g.leader} has exited`);
  expect(isAlive(g.leader), "the newcomer not killed").toBe(true);
  expect(readStat(g.leader)?.state, "the newcomer not stopped").not.toBe("T");
  expect(isAlive(g.member)).toBe(true);
});
