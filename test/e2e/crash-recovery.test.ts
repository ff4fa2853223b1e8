import { expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

const NAMES = ["plain", "forker", "stubborn"] as const;
const THREE = `[processes.plain]
command = ["${FIXTURES}/ready-then-sleep.sh"]

[processes.forker]
command = ["${FIXTURES}/double-fork.sh"]

[processes.stubborn]
command = ["${FIXTURES}/ignore-sigterm.sh"]
stop_timeout = "1s"
`;

// Waits for a fixture's "ready PID" (and "grandchild PID") lines in its log.
async function waitReady(d: TestDaemon, name: string, withGrandchild: boolean): Promise<void> {
  await waitFor(`${name} to print ready${withGrandchild ? " and its grandchild" : ""}`, () => {
    const log = d.log(name);
    if (!/^ready \d+$/m.test(log) || (withGrandchild && !/^grandchild \d+$/m.test(log)))
      throw new Error(`log: ${JSON.stringify(log)}`);
    return true;
  });
}

async function history(d: TestDaemon, name: string): Promise<RunRecord[]> {
  const r = await d.cli("history", name, "--json");
  if (r.code !== 0) throw new Error(`tend history ${name} exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as RunRecord[]).sort((a, b) => a.id - b.id);
}

test("after kill -9 of the supervisor, a new tend up stops the orphans and runs each process once", async () => {
  await using d = await new TestDaemon(THREE).start();
  for (const name of NAMES) await d.waitState(name, "running");
  await waitReady(d, "plain", false);
  await waitReady(d, "forker", true);
  await waitReady(d, "stubborn", true);
  const oldSupervisor = d.proc?.pid as number;
  const old = new Map<string, ProcId[]>();
  for (const name of NAMES) {
    const ids = d.processPids(name).flatMap((pid) => procId(pid) ?? []);
    expect(ids.length, `${name}: live processes before the crash`).toBeGreaterThanOrEqual(
      name === "plain" ? 1 : 2,
    );
    old.set(name, ids);
  }
  const oldIds = [...old.values()].flat();

  d.proc?.kill("SIGKILL");
  await d.proc?.exited;
  const orphans = oldIds.filter(stillAlive);
  expect(orphans, "every child to outlive a kill -9 of the supervisor").toEqual(oldIds);
  expect(existsSync(d.socket), "the dead supervisor's socket file to be left behind").toBe(true);

  await d.startAgain();
  expect(d.proc?.pid).not.toBe(oldSupervisor);
  const survivors = oldIds.filter(stillAlive).map((p) => p.pid);
  expect(survivors, "no process of the old supervisor alive once the new one answers").toEqual([]);

  for (const name of NAMES) {
    const p = await d.waitState(name, "running");
    const runs = d.liveRuns(name);
    expect([...runs.keys()], `${name}: exactly one live run, the current one`).toEqual([
      String(p.runs[0]?.id),
    ]);
    expect(runs.get(String(p.runs[0]?.id)), `${name}: its leader alive`).toContain(p.pid as number);
    const h = await history(d, name);
    expect(
      h.map((r) => ({ reason: r.reason, ended: r.endedAt !== null })),
      `${name}: the old run closed as orphaned`,
    ).toEqual([
      { reason: "orphaned", ended: true },
      { reason: null, ended: false },
    ]);
    expect(
      (old.get(name) ?? []).map((x) => x.pid),
      `${name}: the orphaned run's pid`,
    ).toContain(h[0]?.pid as number);
  }
}, 30_000);

test("a second tend up on the same state dir refuses with exit 1 and names the holder", async () => {
  await using d = await new TestDaemon(
    `[processes.plain]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  ).start();
  const first = await d.waitState("plain", "running");
  const second = await d.upExpectingExit();
  expect(second.timedOut, `second tend up to exit; stderr: ${second.stderr}`).toBe(false);
  expect(second.code, `exit code; stderr: ${second.stderr}`).toBe(1);
  expect(second.stderr).toContain(`tend pid ${d.proc?.pid}`);
  expect(second.stderr).toContain(join(d.dir.path, "state"));
  // The refused supervisor touched nothing: same process, same run, still answering.
  const after = await d.process("plain");
  expect({ state: after.state, pid: after.pid }).toEqual({ state: "running", pid: first.pid });
  expect(d.liveRuns("plain").size).toBe(1);
});

test("a second tend up on another state dir but the same socket refuses with exit 1 and names the socket", async () => {
  await using d = await new TestDaemon(
    `[processes.plain]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  ).start();
  const first = await d.waitState("plain", "running");
  const other = join(d.dir.path, "other.toml");
  writeFileSync(
    other,
    `[supervisor]\nsocket = "${d.socket}"\nstate_dir = "${d.dir.path}/state2"\nlog_dir = "${d.dir.path}/logs2"\n\n[processes.plain]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  );
  const second = await d.upExpectingExit(other);
  expect(second.timedOut, `second tend up to exit; stderr: ${second.stderr}`).toBe(false);
  expect(second.code, `exit code; stderr: ${second.stderr}`).toBe(1);
  expect(second.stderr).toContain(d.socket);
  const after = await d.process("plain");
  expect({ state: after.state, pid: after.pid }).toEqual({ state: "running", pid: first.pid });
  expect(d.liveRuns("plain").size).toBe(1);
});

test("a stale socket file left by kill -9 is replaced by the next tend up", async () => {
  await using d = await new TestDaemon(
    `[processes.plain]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  ).start();
  d.proc?.kill("SIGKILL");
  await d.proc?.exited;
  expect(existsSync(d.socket), "the socket file to outlive its supervisor").toBe(true);
  const dead = await d.api("GET", "/v1/health").then(
    (r) => `answered ${r.status}`,
    () => "refused",
  );
  expect(dead).toBe("refused");

  await d.startAgain();
  const st = statSync(d.socket);
  expect({ socket: st.isSocket(), mode: (st.mode & 0o777).toString(8) }).toEqual({
    socket: true,
    mode: "600",
  });
  const health = await d.json<{ pid: number }>("GET", "/v1/health");
  expect(health.pid).toBe(d.proc?.pid as number);
  await d.waitState("plain", "running");
});
