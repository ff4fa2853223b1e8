import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { readStat } from "../../src/proc/proc-fs.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";
import { isAlive } from "../helpers/pids.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

interface Snapshot {
  name: string;
  state: string;
  health: string;
  pid: number | null;
  restarts: number;
  source: string;
  reason: string | null;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

// The fixture prints "ready <pid>" once its shell runs; the test acts only after that.
async function ready(h: InProcess, name: string, pid: number): Promise<void> {
  await waitFor(`${name} (pid ${pid}) to print ready in ${h.logPath(name)}`, () =>
    readLog(h.logPath(name)).includes(`ready ${pid}\n`),
  );
}

const pick = (p: Snapshot) => ({
  name: p.name,
  state: p.state,
  health: p.health,
  source: p.source,
  reason: p.reason,
});

describe("processes through the API", () => {
  test("GET /v1/processes lists config processes with their state", async () => {
    await using h = await InProcess.start({
      sleeper: { command: [SLEEPER] },
      idle: { command: [SLEEPER], autostart: false },
    });
    const res = await h.request("GET", "/v1/processes");
    const list = res.body as Snapshot[];
    expect({ status: res.status, list: list.map(pick), pid: list[0]?.pid ?? 0 }).toEqual({
      status: 200,
      list: [
        { name: "sleeper", state: "running", health: "healthy", source: "config", reason: "autostart" },
        { name: "idle", state: "stopped", health: "unknown", source: "config", reason: null },
      ],
      pid: expect.any(Number),
    });
    expect(isAlive(list[0]?.pid ?? 0)).toBe(true);
  });

  test("POST /v1/processes adds a run-time process that runs; DELETE stops and removes it", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    const added = await h.request("POST", "/v1/processes", {
      name: "extra",
      command: [SLEEPER],
      env: { MODE: "test" },
    });
    const snap = added.body as Snapshot;
    const pid = snap.pid ?? 0;
    await ready(h, "extra", pid);
    const environ = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
    const detail = (await h.request("GET", "/v1/processes/extra")).body as Snapshot & {
      command: string[];
      runs: unknown[];
    };
    expect({
      status: added.status,
      snap: pick(snap),
      alive: isAlive(pid),
      env: environ.filter((e) => /^(MODE|TEND_PROCESS)=/.test(e)).sort(),
      stored: h.store.runtimeProcesses(),
      command: detail.command,
      runs: detail.runs.length,
    }).toEqual({
      status: 201,
      snap: { name: "extra", state: "running", health: "healthy", source: "runtime", reason: "requested" },
      alive: true,
      env: ["MODE=test", "TEND_PROCESS=extra"],
      stored: [{ name: "extra", spec: { command: [SLEEPER], env: { MODE: "test" } } }],
      command: [SLEEPER],
      runs: 1,
    });

    const removed = await h.request("DELETE", "/v1/processes/extra");
    expect({
      status: removed.status,
      body: removed.body,
      alive: isAlive(pid),
      names: h.supervisor.list().map((p) => p.name),
      stored: h.store.runtimeProcesses(),
      lastRun: h.store.runs("extra", 1).map((r) => [r.pid, r.reason, r.endedAt !== null]),
      after: (await h.request("GET", "/v1/processes/extra")).status,
    }).toEqual({
      status: 200,
      body: { removed: "extra" },
      alive: false,
      names: ["sleeper"],
      stored: [],
      lastRun: [[pid, "stopped", true]],
      after: 404,
    });
  });

  test("an added process with autostart false is stored but not started", async () => {
    await using h = await InProcess.start({});
    const res = await h.request("POST", "/v1/processes", {
      name: "later",
      command: [SLEEPER],
      autostart: false,
    });
    expect({ status: res.status, snap: pick(res.body as Snapshot), pid: (res.body as Snapshot).pid }).toEqual(
      {
        status: 201,
        snap: { name: "later", state: "stopped", health: "unknown", source: "runtime", reason: null },
        pid: null,
      },
    );
  });

  test("stop, start and restart: each answers with the new state, and old pids are gone", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    const first = h.supervisor.list()[0]?.pid ?? 0;
    await ready(h, "sleeper", first);
    const stopped = (await h.request("POST", "/v1/processes/sleeper/stop")).body as Snapshot;
    const firstGone = !isAlive(first);
    const started = (await h.request("POST", "/v1/processes/sleeper/start")).body as Snapshot;
    const second = started.pid ?? 0;
    await ready(h, "sleeper", second);
    const restarted = (await h.request("POST", "/v1/processes/sleeper/restart")).body as Snapshot;
    expect({
      stopped: [stopped.state, stopped.pid, stopped.reason],
      firstGone,
      started: [started.state, second > 0 && second !== first],
      restarted: [restarted.state, restarted.restarts, restarted.pid !== second],
      secondGone: !isAlive(second),
      history: h.store.runs("sleeper").map((r) => r.reason),
    }).toEqual({
      stopped: ["stopped", null, "requested"],
      firstGone: true,
      started: ["running", true],
      restarted: ["running", 1, true],
      secondGone: true,
      history: [null, "restart", "stopped"],
    });
  });

  test("pause sends SIGSTOP and resume SIGCONT to the process", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    const pid = h.supervisor.list()[0]?.pid ?? 0;
    await ready(h, "sleeper", pid);
    const paused = (await h.request("POST", "/v1/processes/sleeper/pause")).body as Snapshot;
    await waitFor(`pid ${pid} to be stopped (T)`, () => readStat(pid)?.state === "T");
    const resumed = (await h.request("POST", "/v1/processes/sleeper/resume")).body as Snapshot;
    await waitFor(`pid ${pid} to run again`, () => readStat(pid)?.state === "S");
    expect([paused.state, resumed.state, resumed.pid]).toEqual(["paused", "running", pid]);
  });

  test("a signal is delivered, recorded as an event, and accepted in any spelling", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    const pid = h.supervisor.list()[0]?.pid ?? 0;
    await ready(h, "sleeper", pid);
    const answers = [];
    for (const signal of ["SIGCONT", "cont", "18"]) {
      const res = await h.request("POST", "/v1/processes/sleeper/signal", { signal });
      answers.push([res.status, (res.body as Snapshot).pid]);
    }
    expect({
      answers,
      events: h.store
        .events({ process: "sleeper", type: "process.signalled" })
        .map((e) => e.details as { signal: string }),
    }).toEqual({
      answers: [
        [200, pid],
        [200, pid],
        [200, pid],
      ],
      events: [{ signal: "SIGCONT" }, { signal: "SIGCONT" }, { signal: "SIGCONT" }],
    });
  });

  test("history lists runs newest first, limited by ?lines", async () => {
    await using h = await InProcess.start({ sleeper: { command: [SLEEPER] } });
    await h.request("POST", "/v1/processes/sleeper/restart");
    await h.request("POST", "/v1/processes/sleeper/restart");
    const all = (await h.request("GET", "/v1/processes/sleeper/history")).body as {
      id: number;
      reason: string | null;
    }[];
    const one = (await h.request("GET", "/v1/processes/sleeper/history?runs=1")).body as { id: number }[];
    expect({ reasons: all.map((r) => r.reason), one: one.map((r) => r.id) }).toEqual({
      reasons: [null, "restart", "restart"],
      one: all.slice(0, 1).map((r) => r.id),
    });
  });

  test("events are filtered by process and type", async () => {
    await using h = await InProcess.start({
      a: { command: [SLEEPER] },
      b: { command: [SLEEPER], autostart: false },
    });
    const res = await h.request("GET", "/v1/events?process=a&events=50");
    const types = (res.body as { type: string; process: string }[]).map((e) => `${e.process} ${e.type}`);
    const running = (await h.request("GET", "/v1/events?type=process.running")).body as { process: string }[];
    expect({ status: res.status, types, running: running.map((e) => e.process) }).toEqual({
      status: 200,
      types: ["a process.starting", "a run.started", "a health.changed", "a process.running"],
      running: ["a"],
    });
  });
});
