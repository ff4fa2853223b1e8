import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord, ProcessSnapshot } from "../../src/domain/types.ts";
import { watchCopies } from "../helpers/copies-watch.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { procId, readStat, stillAlive } from "../helpers/proc-stat.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

// Ignores SIGTERM, so every stop lasts stop_timeout: a wide window for concurrent requests.
const stubborn = (stopTimeout: string) =>
  `[processes.svc]\ncommand = ["${FIXTURES}/ignore-sigterm.sh"]\nstop_timeout = "${stopTimeout}"\n`;

const post = async (d: TestDaemon, action: string) => {
  const res = await d.api("POST", `/v1/processes/svc/${action}`);
  return { status: res.status, body: (await res.json()) as ProcessSnapshot };
};

test("five concurrent restarts coalesce into one new run, never two copies alive", async () => {
  await using d = await new TestDaemon(stubborn("500ms")).start();
  const before = await d.waitState("svc", "running");
  const watch = watchCopies(d, "svc");
  const answers = await Promise.all([1, 2, 3, 4, 5].map(() => post(d, "restart")));
  const copies = await watch.stop();

  const pids = new Set(answers.map((a) => a.body.pid));
  expect(answers.map((a) => [a.status, a.body.state])).toEqual(Array(5).fill([200, "running"]));
  expect(pids.size, `one new pid for all five answers, saw ${[...pids].join(" ")}`).toBe(1);
  expect([...pids][0]).not.toBe(before.pid);
  const after = await d.process("svc");
  expect({ restarts: after.restarts, runs: after.runs.map((r) => r.reason) }).toEqual({
    restarts: 1,
    runs: [null, "restart"],
  });
  const stops = await d.json<EventRecord[]>("GET", "/v1/events?process=svc&type=process.stopping");
  expect(stops.length, "one stop for five restarts").toBe(1);
  expect(
    copies.maxRuns,
    `at most one copy alive in ${copies.samples} samples; worst ${JSON.stringify(copies.worst)}`,
  ).toBe(1);
}, 15_000);

test("a stop issued while a restart is in flight wins: stopped, nothing alive, no new run", async () => {
  await using d = await new TestDaemon(stubborn("1s")).start();
  await d.waitState("svc", "running");
  const watch = watchCopies(d, "svc");
  const restarting = post(d, "restart");
  await d.waitState("svc", "stopping");
  const stopped = await d.cli("stop", "svc");
  const restarted = await restarting;
  const copies = await watch.stop();

  expect(stopped).toEqual({ code: 0, stdout: "svc: stopped\n", stderr: "" });
  expect({ status: restarted.status, state: restarted.body.state }).toEqual({
    status: 200,
    state: "stopped",
  });
  const p = await d.process("svc");
  expect({ state: p.state, pid: p.pid, runs: p.runs.length }).toEqual({
    state: "stopped",
    pid: null,
    runs: 1,
  });
  expect(d.processPids("svc"), "no process of svc alive").toEqual([]);
  expect(copies.maxRuns, `never two copies; worst ${JSON.stringify(copies.worst)}`).toBeLessThanOrEqual(1);
}, 15_000);

test("a restart while an ended run's leftovers are still being killed never runs two copies", async () => {
  await using d = await new TestDaemon(
    `[processes.svc]\ncommand = ["${FIXTURES}/exit-leaving-stubborn-grandchild.sh"]\nrestart = "never"\nstop_timeout = "2s"\n`,
  ).start();
  // The leader exits at once; its setsid grandchild ignores SIGTERM, so cleaning up after the run lasts stop_timeout.
  const grandchild = await waitFor("the first run's leader exited, its grandchild alive", async () => {
    const gc = Number(/^grandchild (\d+)$/m.exec(d.log("svc"))?.[1]);
    const p = await d.process("svc");
    const id = gc ? procId(gc) : null;
    // The leader's exit is recorded, and the run stays open until its leftovers are gone.
    const leaderExited = p.runs[0]?.exitCode != null && p.runs[0]?.endedAt === null;
    if (!id || !stillAlive(id) || !leaderExited || p.reason !== "leftovers")
      throw new Error(`grandchild ${gc}, ${p.state} (${p.reason}), runs ${JSON.stringify(p.runs)}`);
    return id;
  });
  const watch = watchCopies(d, "svc");
  const restarted = await post(d, "restart");
  const oldAlive = stillAlive(grandchild);
  const copies = await watch.stop();
  expect(restarted.status).toBe(200);
  expect(copies.maxRuns, `never two copies; worst ${JSON.stringify(copies.worst)}`).toBeLessThanOrEqual(1);
  expect(
    oldAlive,
    `the old run's grandchild ${grandchild.pid} gone once restart answered (new run pid ${restarted.body.pid})`,
  ).toBe(false);
}, 15_000);

test("a manual restart during backoff starts at once and resets the consecutive count", async () => {
  using flags = tempDir();
  await using d = await new TestDaemon(
    `[processes.svc]\ncommand = ["${FIXTURES}/exit-once.sh", "${join(flags.path, "ran")}"]\nbackoff = { initial = "30s", jitter = 0 }\n`,
  ).start();
  const waiting = await d.waitState("svc", "backoff");
  expect({ consecutive: waiting.consecutiveRestarts, reason: waiting.reason }).toEqual({
    consecutive: 1,
    reason: "crashed",
  });
  expect(waiting.nextStartInMs, "a long backoff ahead").toBeGreaterThan(20_000);

  const t0 = performance.now();
  const r = await d.cli("restart", "svc", "--json");
  const elapsedMs = performance.now() - t0;
  expect(r.code, r.stderr).toBe(0);
  expect(elapsedMs, "restart to skip the 30s backoff").toBeLessThan(5000);
  const p = await d.process("svc");
  expect({ state: p.state, consecutive: p.consecutiveRestarts, nextStartInMs: p.nextStartInMs }).toEqual({
    state: "running",
    consecutive: 0,
    nextStartInMs: null,
  });
  expect(p.runs.map((r) => r.reason)).toEqual([null, "crashed"]);
}, 15_000);

// Without cgroups (forced): SIGSTOP and SIGCONT. With them it is cgroup.freeze (test/cgroups/).
test("pause and resume change the state and the process's /proc state (T, then S)", async () => {
  await using d = await new TestDaemon(
    `[processes.svc]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
    'cgroups = "off"',
  ).start();
  const { pid } = await d.waitState("svc", "running");
  const procState = (want: string) =>
    waitFor(`pid ${pid} in /proc state ${want}`, () => {
      const st = readStat(pid as number)?.state;
      if (st !== want) throw new Error(`state ${st}`);
      return st;
    });

  expect(await d.cli("pause", "svc")).toEqual({ code: 0, stdout: `svc: paused (pid ${pid})\n`, stderr: "" });
  expect((await d.process("svc")).state).toBe("paused");
  await procState("T");

  expect(await d.cli("resume", "svc")).toEqual({
    code: 0,
    stdout: `svc: running (pid ${pid})\n`,
    stderr: "",
  });
  expect((await d.process("svc")).state).toBe("running");
  await procState("S");
});

test("tend signal NAME SIGUSR1 reaches the child", async () => {
  using out = tempDir();
  const file = join(out.path, "signals");
  await using d = await new TestDaemon(
    `[processes.svc]\ncommand = ["${FIXTURES}/trap-usr1.sh", "${file}"]\n`,
  ).start();
  const { pid } = await d.waitState("svc", "running");
  await waitFor("trap-usr1.sh ready", () => /^ready \d+$/m.test(d.log("svc")));

  expect(await d.cli("signal", "svc", "SIGUSR1")).toEqual({
    code: 0,
    stdout: `svc: sent SIGUSR1 to pid ${pid}\n`,
    stderr: "",
  });
  await waitFor(`"usr1" in ${file}`, () => readFileSync(file, "utf8").includes("usr1"));
  const p = await d.process("svc");
  expect({ state: p.state, pid: p.pid }).toEqual({ state: "running", pid });
});

test("restart = never ends exited after any exit; on-failure after exit 0 ends exited", async () => {
  const exitWith = (name: string, code: number, policy: string) =>
    `[processes.${name}]\ncommand = ["${FIXTURES}/exit-with.sh", "${code}"]\nrestart = "${policy}"\n`;
  await using d = await new TestDaemon(
    [
      exitWith("never_ok", 0, "never"),
      exitWith("never_bad", 3, "never"),
      exitWith("onfail_ok", 0, "on-failure"),
    ].join("\n"),
  ).start();
  const seen: Record<string, unknown> = {};
  for (const name of ["never_ok", "never_bad", "onfail_ok"]) {
    const p = await d.waitState(name, "exited");
    seen[name] = { reason: p.reason, lastExit: p.lastExit, restarts: p.restarts, runs: p.runs.length };
  }
  expect(seen).toEqual({
    never_ok: { reason: "exited", lastExit: { code: 0, signal: null }, restarts: 0, runs: 1 },
    never_bad: { reason: "crashed", lastExit: { code: 3, signal: null }, restarts: 0, runs: 1 },
    onfail_ok: { reason: "exited", lastExit: { code: 0, signal: null }, restarts: 0, runs: 1 },
  });
});
