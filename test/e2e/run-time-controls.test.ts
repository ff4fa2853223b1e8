import { describe, expect, test } from "bun:test";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

async function events(d: TestDaemon, name: string): Promise<EventRecord[]> {
  return d.json<EventRecord[]>("GET", `/v1/events?process=${name}&events=1000`);
}

describe("timeout", () => {
  test('timeout = "1s" on a sleeping task: stopped with reason timeout, then restarted or failed per policy', async () => {
    await using d = await new TestDaemon(`
[processes.again]
command = ["${SLEEPER}"]
timeout = "1s"
restart = "on-failure"
backoff = { initial = "10m", jitter = 0 }

[processes.once]
command = ["${SLEEPER}"]
timeout = "1s"
restart = "never"
`).start();
    const failed = await d.waitState("once", "failed", 20_000);
    const backoff = await d.waitState("again", "backoff", 20_000);
    const [onceRun] = await d.history("once");
    const onceEvents = await events(d, "once");
    const status = await d.cli("status", "once");
    expect({
      failed: [failed.reason, failed.lastError],
      backoff: backoff.reason,
      run: onceRun?.reason,
      timeoutEvent: onceEvents
        .filter((e) => e.reason === "timeout" && e.details !== null && "timeoutMs" in e.details)
        .map((e) => [e.type, e.details]),
      statusLine: status.stdout.split("\n").find((l) => l.startsWith("timeout:")),
    }).toEqual({
      failed: ["timeout", "ran longer than its timeout of 1000 ms"],
      backoff: "timeout",
      run: "timeout",
      timeoutEvent: [["process.stopping", { timeoutMs: 1000 }]],
      statusLine: "timeout:   1s",
    });
  });
});

describe("tend set, reset and stop --force", () => {
  test("tend set api restart=never, then a crash: not restarted; --clear gives the config back", async () => {
    await using d = await new TestDaemon(`
[processes.api]
command = ["${SLEEPER}"]
restart = "always"
backoff = { initial = "10ms", jitter = 0 }
`).start();
    const first = await d.waitState("api", "running");
    const set = await d.cli("set", "api", "restart=never", "max_restarts=3", "max_memory=512MiB");
    const shown = await d.process("api");
    const statusLine = (await d.cli("status", "api")).stdout.split("\n").find((l) => l.startsWith("set:"));
    process.kill(first.pid as number, "SIGKILL");
    const after = await d.waitState("api", "exited");
    const runs = await d.history("api");
    const clear = await d.cli("set", "api", "--clear");
    const cleared = await d.process("api");
    await d.cli("set", "api", "restart=on-failure");
    const reload = await d.cli("reload");
    const afterReload = await d.process("api");
    expect({
      set: [set.code, set.stdout, set.stderr],
      overrides: shown.overrides,
      restartPolicy: shown.restartPolicy,
      statusLine,
      after: [after.state, after.reason, after.restarts],
      runs: runs.length,
      clear: [clear.code, clear.stdout],
      cleared: [cleared.overrides, cleared.restartPolicy],
      afterReload: [reload.code, afterReload.overrides, afterReload.restartPolicy],
    }).toEqual({
      set: [0, "api: restart=never max_restarts=3 max_memory=512MiB\n", ""],
      overrides: { restart: "never", maxRestarts: 3, maxMemoryBytes: 512 * 1024 * 1024 },
      restartPolicy: "never",
      statusLine:
        "set:       restart=never max_restarts=3 max_memory=512.0MiB (tend set; until --clear or a reload)",
      after: ["exited", "crashed", 0],
      runs: 1,
      clear: [0, "api: overrides cleared\n"],
      cleared: [null, "always"],
      afterReload: [0, null, "always"],
    });
  });

  test("bad tend set input is refused and changes nothing", async () => {
    await using d = await new TestDaemon(`
[processes.api]
command = ["${SLEEPER}"]
`).start();
    type Cli = { code: number; stderr: string };
    const cli = (...args: string[]) => d.cli(...args) as Promise<Cli>;
    const body = (method: string, path: string, b: unknown) => d.api(method, path, b).then((r) => r.json());
    const [sometimes, negative, lots, colour, bare, nope, twice] = await Promise.all([
      cli("set", "api", "restart=sometimes"),
      cli("set", "api", "max_restarts=-1"),
      cli("set", "api", "max_memory=lots"),
      cli("set", "api", "colour=blue"),
      cli("set", "api"),
      cli("set", "nope", "restart=never"),
      cli("set", "api", "restart=never", "restart=always"),
    ]);
    const [added, both, empty] = await Promise.all([
      body("POST", "/v1/processes", { name: "extra", command: "sleep 1", environments: { prod: {} } }),
      body("POST", "/v1/processes/api/set", { clear: true, restart: "never" }),
      body("POST", "/v1/processes/api/set", {}),
    ]);
    expect({
      sometimes: [sometimes.code, sometimes.stderr.trim()],
      negative: negative.code,
      lots: lots.stderr.trim(),
      colour: colour.stderr.split("\n")[0],
      bare: bare.code,
      nope: nope.code,
      twice: twice.stderr.split("\n")[0],
      added,
      both,
      empty,
      unchanged: (await d.process("api")).overrides,
    }).toEqual({
      sometimes: [1, 'tend: restart: expected "always", "on-failure" or "never"'],
      negative: 2,
      lots: expect.stringContaining("max_memory=lots: expected a size like 512MiB, or none"),
      colour: 'tend set: "colour=blue": expected restart=…, max_restarts=…, max_memory=…',
      bare: 2,
      nope: 1,
      twice: "tend set: restart is given twice",
      added: {
        error: {
          code: "BAD_REQUEST",
          message:
            'invalid process "extra": environments: applies to the config file\'s processes (tend up --env); give env, env_file and instances directly',
        },
      },
      both: {
        error: {
          code: "BAD_REQUEST",
          message: "clear takes the overrides away: send it alone, without keys to set",
        },
      },
      empty: {
        error: { code: "BAD_REQUEST", message: "nothing to set: give restart, max_restarts or max_memory" },
      },
      unchanged: null,
    });
  });

  test("tend reset of a failed process makes it startable with counters at zero", async () => {
    await using d = await new TestDaemon(`
[processes.flaky]
command = ["/bin/false"]
max_restarts = 2
backoff = { initial = "10ms", jitter = 0 }
autostart = true
`).start();
    const failed = await d.waitState("flaky", "failed", 20_000);
    const reset = await d.cli("reset", "flaky");
    const resetEvents = (await d.json<EventRecord[]>("GET", "/v1/events?process=flaky&events=100")).filter(
      (e) => e.reason === "reset",
    );
    const after = await d.process("flaky");
    await d.cli("set", "flaky", "restart=never");
    const start = await d.cli("start", "flaky");
    const again = await d.waitState("flaky", "exited");
    // A process at rest but not failed: the counters only, and an event says so.
    await d.cli("reset", "flaky");
    const events = await d.json<EventRecord[]>("GET", "/v1/events?process=flaky&events=100");
    expect({
      failed: [failed.reason, failed.restarts],
      reset: [reset.code, reset.stdout],
      after: [after.state, after.reason, after.restarts, after.consecutiveRestarts, after.lastError],
      resetEvents: resetEvents.map((e) => e.type),
      start: start.code,
      again: [again.state, again.restarts],
      resetAgain: [events.at(-1)?.type, (await d.process("flaky")).state],
    }).toEqual({
      failed: ["max_restarts", 2],
      reset: [0, "flaky: stopped\n"],
      after: ["stopped", "reset", 0, 0, null],
      resetEvents: ["process.stopped"],
      start: 0,
      again: ["exited", 0],
      resetAgain: ["process.reset", "exited"],
    });
  });

  test("stop --force of a TERM-ignoring tree with stop_timeout 1h: at once, and during a plain stop", async () => {
    await using d = await new TestDaemon(`
[processes.direct]
command = ["${FIXTURES}/ignore-sigterm.sh"]
stop_timeout = "1h"

[processes.stubborn]
command = ["${FIXTURES}/ignore-sigterm.sh"]
stop_timeout = "1h"
`).start();
    const running = await d.waitState("stubborn", "running");
    await d.waitState("direct", "running");
    const treeOf = (name: string) =>
      waitFor(`the ${name} tree (leader and grandchild)`, () => {
        const ids = d.processPids(name).flatMap((pid) => procId(pid) ?? []);
        return ids.length >= 3 ? ids : null;
      });
    const directTree = await treeOf("direct");
    const tree = await treeOf("stubborn");
    const typesOf = async (name: string) =>
      (await d.json<EventRecord[]>("GET", `/v1/events?process=${name}&events=100`))
        .map((e) => e.type)
        .filter((t) => t.startsWith("process."));

    // Forced while running: no stop_signal, SIGKILL to the tree now.
    const forcedDirect = await d.cli("stop", "--force", "direct");
    const [directRun] = await d.history("direct");

    // A plain stop first: it would wait an hour. The forced one ends it now.
    const plain = d.json("POST", "/v1/processes/stubborn/stop");
    await d.waitState("stubborn", "stopping");
    const forced = await d.cli("stop", "--force", "stubborn");
    await plain;
    const after = await d.process("stubborn");
    const [run] = await d.history("stubborn");
    expect({
      direct: {
        forced: [forcedDirect.code, forcedDirect.stdout],
        alive: directTree.filter((id) => stillAlive(id)),
        signal: directRun?.signal,
        events: await typesOf("direct"),
      },
      pid: running.pid !== null,
      forced: [forced.code, forced.stdout],
      state: after.state,
      alive: tree.filter((id) => stillAlive(id)),
      signal: run?.signal,
      events: await typesOf("stubborn"),
    }).toEqual({
      direct: {
        forced: [0, "direct: stopped\n"],
        alive: [],
        signal: "SIGKILL",
        events: ["process.starting", "process.running", "process.stopping", "process.stopped"],
      },
      pid: true,
      forced: [0, "stubborn: stopped\n"],
      state: "stopped",
      alive: [],
      signal: "SIGKILL",
      events: [
        "process.starting",
        "process.running",
        "process.stopping",
        "process.killed",
        "process.stopped",
      ],
    });
  });
});
