import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { run } from "../../src/cli/run.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";
import { recordingIo } from "../helpers/recording-io.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

// The CLI as a client of an in-process API served on a real unix socket in the test's temp dir.
async function serve(processes: Record<string, unknown>) {
  const h = await InProcess.start(processes);
  const socket = join(h.dir.path, "api.sock");
  const server = Bun.serve({ unix: socket, fetch: (req) => h.app.handle(req) });
  return {
    h,
    // --socket goes right after the verb, so it never lands in the command after `--`.
    async cli(verb: string, ...argv: string[]) {
      const io = recordingIo();
      const code = await run([verb, "--socket", socket, ...argv], io);
      return { code, stdout: io.stdout, stderr: io.stderr };
    },
    async [Symbol.asyncDispose]() {
      try {
        await server.stop(true);
      } finally {
        await h[Symbol.asyncDispose]();
      }
    },
  };
}

describe("client verbs against a live API", () => {
  test("ps --json prints what GET /v1/processes answers", async () => {
    await using s = await serve({ sleeper: { command: [SLEEPER] } });
    const r = await s.cli("ps", "--json");
    const list = JSON.parse(r.stdout) as { name: string; state: string }[];
    expect({ code: r.code, list: list.map((p) => [p.name, p.state]), stderr: r.stderr }).toEqual({
      code: 0,
      list: [["sleeper", "running"]],
      stderr: "",
    });
  });

  test("ps prints a table with a header", async () => {
    await using s = await serve({ sleeper: { command: [SLEEPER] } });
    const r = await s.cli("ps");
    const [header, row] = r.stdout.split("\n");
    expect({ code: r.code, header: header?.split(/\s+/), row: row?.split(/\s+/).slice(0, 3) }).toEqual({
      code: 0,
      header: ["NAME", "STATE", "HEALTH", "PID", "UPTIME", "RESTARTS", "CPU", "MEM"],
      row: ["sleeper", "running", "healthy"],
    });
  });

  test("stop --all stops everything and reports each process", async () => {
    await using s = await serve({ a: { command: [SLEEPER] }, b: { command: [SLEEPER] } });
    const r = await s.cli("stop", "--all");
    expect({ r, states: s.h.supervisor.list().map((p) => p.state) }).toEqual({
      r: { code: 0, stdout: "a: stopped\nb: stopped\n", stderr: "" },
      states: ["stopped", "stopped"],
    });
  });

  test("an unknown name among several exits 1 and nothing is done", async () => {
    await using s = await serve({ a: { command: [SLEEPER], autostart: false } });
    const r = await s.cli("start", "a", "nope");
    expect({
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
      state: s.h.supervisor.list()[0]?.state,
    }).toEqual({
      code: 1,
      stdout: "",
      stderr: 'tend start: no process named "nope"; nothing was done (see tend ps)\n',
      state: "stopped",
    });
  });

  test("signal with an unknown signal exits 1", async () => {
    await using s = await serve({ a: { command: [SLEEPER] } });
    const r = await s.cli("signal", "a", "SIGNOPE");
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 1,
      stderr: 'tend: unknown signal "SIGNOPE": use a name like SIGHUP, SIGUSR1 or SIGTERM\n',
    });
  });

  test("add and rm a run-time process", async () => {
    await using s = await serve({});
    const added = await s.cli(
      "add",
      "job",
      "--env",
      "A=1",
      "--restart",
      "never",
      "--no-autostart",
      "--",
      SLEEPER,
    );
    const stored = s.h.store.runtimeProcesses();
    const removed = await s.cli("rm", "job");
    expect({ added, stored, removed, after: s.h.store.runtimeProcesses() }).toEqual({
      added: { code: 0, stdout: "job: added, stopped\n", stderr: "" },
      stored: [
        {
          name: "job",
          // Without --cwd the process runs where tend add was run.
          spec: {
            command: [SLEEPER],
            cwd: process.cwd(),
            env: { A: "1" },
            restart: "never",
            autostart: false,
          },
        },
      ],
      removed: { code: 0, stdout: "job: removed\n", stderr: "" },
      after: [],
    });
  });

  test("--json: an action on names prints the list of answers; rm prints {removed}", async () => {
    await using s = await serve({ a: { command: [SLEEPER] }, b: { command: [SLEEPER] } });
    const stopped = await s.cli("stop", "a", "b", "--json");
    const added = await s.cli("add", "job", "--no-autostart", "--json", "--", SLEEPER);
    const removed = await s.cli("rm", "job", "--json");
    expect({
      stopped: [
        stopped.code,
        (JSON.parse(stopped.stdout) as { name: string; state: string }[]).map((p) => [p.name, p.state]),
      ],
      added: [added.code, (JSON.parse(added.stdout) as { name: string }).name],
      removed: [removed.code, removed.stdout],
    }).toEqual({
      stopped: [
        0,
        [
          ["a", "stopped"],
          ["b", "stopped"],
        ],
      ],
      added: [0, "job"],
      removed: [0, `${JSON.stringify({ removed: "job" }, null, 2)}\n`],
    });
  });

  test("wait --json prints the snapshots it waited for, or the error as data, exit 1", async () => {
    await using s = await serve({
      a: { command: [SLEEPER] },
      idle: { command: [SLEEPER], autostart: false },
    });
    const met = await s.cli("wait", "a", "--for", "started", "--json");
    const unmet = await s.cli("wait", "idle", "--for", "started", "--json");
    const unknown = await s.cli("wait", "ghost", "--json");
    expect({
      met: [met.code, (JSON.parse(met.stdout) as { name: string }[]).map((p) => p.name)],
      unmet: [unmet.code, JSON.parse(unmet.stdout), unmet.stderr],
      unknown: [unknown.code, JSON.parse(unknown.stdout)],
    }).toEqual({
      met: [0, ["a"]],
      unmet: [
        1,
        {
          error: {
            code: "INVALID_STATE",
            message:
              "idle is stopped and cannot become started by itself; not started:\n  idle: stopped, health unknown\n",
          },
        },
        "",
      ],
      unknown: [1, { error: { code: "PROCESS_NOT_FOUND", message: 'no process named "ghost"' } }],
    });
  });

  test("logs --json and events --json print one object per line", async () => {
    await using s = await serve({ a: { command: [SLEEPER] } });
    const logs = await waitFor("a's first line", async () => {
      const r = await s.cli("logs", "a", "--json");
      return r.stdout.includes("ready") ? r : null;
    });
    const events = await s.cli("events", "--process", "a", "--json");
    const lines = (out: string) =>
      out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect({
      logs: [logs.code, lines(logs.stdout).map((l) => [l.process, l.stream])],
      events: [
        events.code,
        lines(events.stdout).every((e) => e.process === "a" && typeof e.type === "string"),
      ],
    }).toEqual({
      logs: [0, [["a", "stdout"]]],
      events: [0, true],
    });
  });
});

test("an unreachable supervisor: the socket, then where to look, on its own line; exit 3", async () => {
  using dir = tempDir();
  const sock = join(dir.path, "tend.sock");
  const io = recordingIo();
  const code = await run(["restart", "api", "--socket", sock], io);
  expect({ code, stdout: io.stdout, stderr: io.stderr }).toEqual({
    code: 3,
    stdout: "",
    stderr:
      `tend: cannot reach the supervisor at ${sock}: no socket there\n` +
      "Is `tend up` running? Set TEND_SOCKET or pass --socket / -c to point at its socket.\n",
  });
});
