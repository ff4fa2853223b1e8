import { expect, test } from "bun:test";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, procId, readStat, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

const STUBBORN = `[processes.stubborn]
command = ["${FIXTURES}/ignore-sigterm.sh"]
stop_timeout = "1s"
`;

// The pids of a running fixture's tree once it has printed its ready line and, for a fixture
// that starts one, its grandchild's line. The two lines come from different processes, so either
// can arrive first.
async function readyTree(
  d: TestDaemon,
  name: string,
  minMembers: number,
  withGrandchild: boolean,
): Promise<ProcId[]> {
  const lines = withGrandchild ? [/^ready \d+$/m, /^grandchild \d+$/m] : [/^ready \d+$/m];
  await d.waitState(name, "running");
  return waitFor(`${name} to print ${lines.join(" and ")} and have ${minMembers} live processes`, () => {
    // The log first: a pid it names must already be in the tree read after it. The read may
    // still miss it for a moment (a process in the middle of exec shows an empty environment),
    // so every named pid must be there too.
    const log = d.log(name);
    const named = lines.map((line) => Number(line.exec(log)?.[0].split(" ")[1] ?? Number.NaN));
    const ids = d.processPids(name).flatMap((pid) => procId(pid) ?? []);
    const found = new Set(ids.map((x) => x.pid));
    if (!named.every((pid) => found.has(pid)) || ids.length < minMembers)
      throw new Error(`log ${JSON.stringify(log)}, pids ${ids.map((x) => x.pid).join(" ")}`);
    return ids;
  });
}

test("tend stop kills a tree that ignores SIGTERM, setsid grandchild included, with SIGKILL after stop_timeout", async () => {
  await using d = await new TestDaemon(STUBBORN).start();
  // sh, its setsid grandchild shell and that shell's sleep (plus the loop's short sleeps).
  const tree = await readyTree(d, "stubborn", 3, true);
  const grandchild = Number(/^grandchild (\d+)$/m.exec(d.log("stubborn"))?.[1]);
  expect(tree.map((x) => x.pid)).toContain(grandchild);
  expect(readStat(grandchild)?.pgid, "the grandchild left the process group").not.toBe(
    (await d.process("stubborn")).pid as number,
  );

  const r = await d.cli("stop", "stubborn");
  const alive = tree.filter(stillAlive).map((x) => x.pid);
  expect(r).toEqual({ code: 0, stdout: "stubborn: stopped\n", stderr: "" });
  expect(alive, "no process of the tree alive when tend stop returns").toEqual([]);
  expect(d.processPids("stubborn"), "no process of the run left anywhere").toEqual([]);
  // SIGKILL comes from a timer armed for stop_timeout, and a timer never fires early: the run's
  // end, as the supervisor recorded it, is at least stop_timeout after the stop began.
  const events = await d.json<EventRecord[]>("GET", "/v1/events?process=stubborn&events=100");
  const began = events.find((e) => e.type === "process.stopping")?.at ?? Number.NaN;
  const ended = events.find((e) => e.type === "run.exited")?.at ?? Number.NaN;
  expect(ended - began, "SIGKILL only after stop_timeout").toBeGreaterThanOrEqual(1000);
  const p = await d.process("stubborn");
  expect({ state: p.state, pid: p.pid, lastExit: p.lastExit }).toEqual({
    state: "stopped",
    pid: null,
    lastExit: { code: null, signal: "SIGKILL" },
  });
  expect(p.runs[0]?.reason).toBe("stopped");
}, 15_000);

const MIXED = `${STUBBORN}
[processes.forker]
command = ["${FIXTURES}/double-fork.sh"]

[processes.plain]
command = ["${FIXTURES}/ready-then-sleep.sh"]
`;

test("tend down leaves no process the supervisor started, and the supervisor exits 0", async () => {
  await using d = await new TestDaemon(MIXED).start();
  await readyTree(d, "stubborn", 3, true);
  await readyTree(d, "forker", 2, true);
  await readyTree(d, "plain", 1, false);
  const before = d.pids();
  const r = await d.cli("down");
  expect(r).toEqual({ code: 0, stdout: "supervisor stopped\n", stderr: "" });
  expect(await d.proc?.exited, `supervisor exit code; stderr: ${d.stderr}`).toBe(0);
  expect(d.pids(), `nothing left of ${before.length} processes before down`).toEqual([]);
}, 15_000);

test("SIGTERM to the supervisor stops every tree and exits 0", async () => {
  await using d = await new TestDaemon(MIXED).start();
  await readyTree(d, "stubborn", 3, true);
  await readyTree(d, "forker", 2, true);
  await readyTree(d, "plain", 1, false);
  d.proc?.kill("SIGTERM");
  expect(await d.proc?.exited, `supervisor exit code; stderr: ${d.stderr}`).toBe(0);
  expect(d.pids(), "no process left after the supervisor exited").toEqual([]);
}, 15_000);

test("a paused (SIGSTOPped) process is stopped cleanly by its stop signal, without waiting for SIGKILL", async () => {
  await using d = await new TestDaemon(
    `[processes.plain]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\nstop_timeout = "10s"\n`,
    'cgroups = "off"',
  ).start();
  const [leader] = await readyTree(d, "plain", 1, false);
  expect(await d.cli("pause", "plain")).toMatchObject({ code: 0 });
  await waitFor("the paused leader to be in state T", () => {
    const st = readStat(leader?.pid as number)?.state;
    if (st !== "T") throw new Error(`state ${st}`);
    return true;
  });

  const r = await d.cli("stop", "plain");
  expect(r).toEqual({ code: 0, stdout: "plain: stopped\n", stderr: "" });
  expect(d.processPids("plain")).toEqual([]);
  // SIGTERM stays pending in a stopped process; only the SIGCONT after it lets it act: the run
  // ends by SIGTERM, not by the SIGKILL that would follow stop_timeout.
  const p = await d.process("plain");
  expect({ state: p.state, lastExit: p.lastExit }).toEqual({
    state: "stopped",
    lastExit: { code: null, signal: "SIGTERM" },
  });
}, 15_000);

// The leader exits at once; its setsid grandchild ignores SIGTERM, so cleaning up after the run
// lasts stop_timeout. A stop or a down in that window must still wait until nothing is left.
const LEAVER = `[processes.leaver]
command = ["${FIXTURES}/exit-leaving-stubborn-grandchild.sh"]
restart = "never"
stop_timeout = "2s"
`;

async function endedLeavingGrandchild(d: TestDaemon): Promise<ProcId> {
  return waitFor("leaver's leader exited, its grandchild alive", async () => {
    const gc = Number(/^grandchild (\d+)$/m.exec(d.log("leaver"))?.[1]);
    const p = await d.process("leaver");
    const id = gc ? procId(gc) : null;
    // The leader's exit is recorded, and the run stays open until its leftovers are gone.
    const leaderExited = p.runs[0]?.exitCode != null && p.runs[0]?.endedAt === null;
    if (!id || !stillAlive(id) || !leaderExited || p.reason !== "leftovers")
      throw new Error(`grandchild ${gc}, ${p.state} (${p.reason}), runs ${JSON.stringify(p.runs)}`);
    return id;
  });
}

test("tend stop right after the leader exited returns only when the run's leftovers are gone", async () => {
  await using d = await new TestDaemon(LEAVER).start();
  const grandchild = await endedLeavingGrandchild(d);
  const r = await d.cli("stop", "leaver");
  const left = d.processPids("leaver");
  expect(r.code, r.stderr).toBe(0);
  expect(
    { grandchildAlive: stillAlive(grandchild), left },
    "nothing of the run alive when tend stop returns",
  ).toEqual({ grandchildAlive: false, left: [] });
}, 15_000);

test("tend down right after a leader exited still leaves nothing behind", async () => {
  await using d = await new TestDaemon(LEAVER).start();
  const grandchild = await endedLeavingGrandchild(d);
  expect(await d.cli("down")).toMatchObject({ code: 0 });
  expect(await d.proc?.exited, `supervisor exit code; stderr: ${d.stderr}`).toBe(0);
  expect(
    { grandchildAlive: stillAlive(grandchild), left: d.pids() },
    "nothing the supervisor started alive after it exited",
  ).toEqual({ grandchildAlive: false, left: [] });
}, 15_000);
