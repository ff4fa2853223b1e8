import { afterEach, expect, test } from "bun:test";
import { stopTree } from "../../src/proc/kill-tree.ts";
import { readStat } from "../../src/proc/proc-fs.ts";
import { findTree } from "../../src/proc/tree.ts";
import { sendToRun } from "../../src/supervisor/signal-run.ts";
import { isAlive } from "../helpers/pids.ts";
import { waitFor } from "../helpers/wait.ts";

// A run's leader that has exited and been reaped gives its pid back to the kernel, which may hand
// it to any new process. These tests stand a live process in for that newcomer: it holds the
// "leader's" pid, but with another start time, and must never be signalled.

type Subprocess = ReturnType<typeof Bun.spawn>;
const started: Subprocess[] = [];

afterEach(() => {
  // The group id cannot be reused while its leader (our child) is not reaped.
  for (const p of started.splice(0)) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {}
  }
});

interface Group {
  leader: number;
  member: number;
  startTicks: number;
  // What the leader's traps printed: one line per SIGTERM or SIGWINCH it caught.
  caught(): string[];
}

// A process group of its own: `sh` (the group leader, which reports the signals it catches) and
// a `sleep` it started.
async function group(): Promise<Group> {
  const script = `trap 'echo TERM' TERM; trap 'echo WINCH' WINCH; sleep 60 & echo $!; while kill -0 $! 2>/dev/null; do wait; done`;
  const p = Bun.spawn(["sh", "-c", script], { stdout: "pipe", detached: true });
  started.push(p);
  let out = "";
  void (async () => {
    for await (const chunk of p.stdout as ReadableStream<Uint8Array>) out += new TextDecoder().decode(chunk);
  })();
  const member = await waitFor("the group's sleep to start", () => Number(out.split("\n")[0]) || null);
  const startTicks = readStat(p.pid)?.startTicks;
  if (startTicks === undefined) throw new Error(`no /proc/${p.pid}/stat for the group leader`);
  return { leader: p.pid, member, startTicks, caught: () => out.split("\n").slice(1, -1) };
}

// SIGWINCH (28) sent now is handled after any SIGTERM (15) sent before it: pending signals are
// taken lowest first, and sh runs its traps in signal order. So once WINCH is reported, a TERM
// that had been sent would have been reported too.
async function caughtBeforeWinch(g: Group): Promise<string[]> {
  process.kill(g.leader, "SIGWINCH");
  await waitFor("the group leader to report SIGWINCH", () => g.caught().includes("WINCH"));
  return g.caught().filter((l) => l !== "WINCH");
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
  expect(await caughtBeforeWinch(g), "no SIGTERM reached the newcomer").toEqual([]);
  expect(isAlive(g.member), "the newcomer's child alive").toBe(true);

  // The leader traps SIGTERM, so the real stop ends in SIGKILL after its timeout.
  const stopped = await stopTree({
    ...query,
    leaderStartTicks: g.startTicks,
    signal: "SIGTERM",
    timeoutMs: 300,
  });
  expect(stopped).toMatchObject({ found: 2, survivors: [] });
  expect(g.caught()).toContain("TERM");
  await waitFor("the group to be gone", () => {
    const alive = [g.leader, g.member].filter(isAlive);
    if (alive.length) throw new Error(`still alive: ${alive.join(" ")}`);
    return true;
  });
});

test("a signal for a run whose leader pid now belongs to another process is refused, not delivered", async () => {
  const g = await group();
  const handle = (startTicks: number) => ({
    id: 1,
    child: { pid: g.leader, startTicks, exited: new Promise<never>(() => {}), stdout: null, stderr: null },
  });
  expect(() => sendToRun(handle(g.startTicks + 1), "SIGTERM")).toThrow(`pid ${g.leader} has exited`);
  expect(() => sendToRun(handle(g.startTicks + 1), "SIGSTOP", true)).toThrow(`pid ${g.leader} has exited`);
  expect(await caughtBeforeWinch(g), "no SIGTERM reached the newcomer").toEqual([]);
  expect(readStat(g.leader)?.state, "the newcomer not stopped").not.toBe("T");
  // The same run with the leader's own start time is signalled.
  sendToRun(handle(g.startTicks), "SIGTERM");
  await waitFor("the leader to report SIGTERM", () => g.caught().includes("TERM"));
});
