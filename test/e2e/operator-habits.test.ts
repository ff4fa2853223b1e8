import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LogEntry, ProcessDetail, ProcessSnapshot } from "../../src/client/index.ts";
import { FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { lineReader } from "../helpers/line-reader.ts";
import { waitFor } from "../helpers/wait.ts";

// What operators coming from PM2, process-compose or journalctl reach for: every process's logs
// at once, filters, ps of a few sorted, status of all, shell completion, tend add with any key.

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;
// A process that writes one line (to stdout, or stderr with "err") and then sleeps.
const says = (name: string, text: string, stream: "out" | "err" = "out") =>
  `[processes.${name}]\ncommand = ["sh", "-c", "echo ${text}${stream === "err" ? " >&2" : ""}; exec sleep 100000"]\nautostart = false\n`;

async function linesOf(d: TestDaemon, query = ""): Promise<LogEntry[]> {
  return d.json<LogEntry[]>("GET", `/v1/logs${query}`);
}

// Starts each process in turn, the next only once the line of the one before is in the logs:
// the order the lines were written is then known.
async function startInTurn(d: TestDaemon, names: string[]): Promise<void> {
  const before = (await linesOf(d)).length;
  for (const [i, name] of names.entries()) {
    expect((await d.api("POST", `/v1/processes/${name}/start`)).status).toBe(200);
    await waitFor(`${name}'s line in the logs`, async () => (await linesOf(d)).length > before + i);
  }
}

test("tend logs with no name: every process, prefixed, stderr marked, in the order written", async () => {
  await using d = await new TestDaemon(
    [says("web", "web-started"), says("db", "db-warning", "err"), says("cache", "cache-ready")].join("\n"),
  ).start();
  await startInTurn(d, ["db", "web", "cache"]);
  const r = await d.cli("logs");
  expect(r).toEqual({
    code: 0,
    stdout: "db    ! db-warning\nweb   | web-started\ncache | cache-ready\n",
    stderr: "",
  });
  const json = await d.cli("logs", "--json");
  expect(
    json.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as LogEntry).process),
  ).toEqual(["db", "web", "cache"]);
});

test("tend logs -f with no name follows every process, also one started after it began", async () => {
  await using d = await new TestDaemon(
    [says("web", "web-started"), says("late", "late-hello")].join("\n"),
  ).start();
  await startInTurn(d, ["web"]);
  const follower = Bun.spawn([...TEND_CMD, "logs", "-f"], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const lines = lineReader(follower.stdout as ReadableStream<Uint8Array>);
    await waitFor("tend logs -f to print the line web wrote before", () =>
      lines.includes("web  | web-started"),
    );
    expect((await d.api("POST", "/v1/processes/late/start")).status).toBe(200);
    await waitFor("tend logs -f to print the line of the process started later", () =>
      lines.includes("late | late-hello"),
    );
  } finally {
    follower.kill("SIGTERM");
    await follower.exited;
  }
});

test("tend logs --grep and --since filter; bad ones are usage errors", async () => {
  await using d = await new TestDaemon(
    [says("web", "GET /health 200"), says("api", "POST /orders 500", "err"), says("db", "ready")].join("\n"),
  ).start();
  await startInTurn(d, ["web", "api"]);
  const grep = await d.cli("logs", "--grep", " [45]\\d\\d$");
  expect(grep).toEqual({ code: 0, stdout: "api ! POST /orders 500\n", stderr: "" });
  const one = await d.cli("logs", "web", "api", "--grep", "GET");
  expect(one.stdout).toBe("web | GET /health 200\n");

  // --since: lines read since then. The API takes the time itself; the CLI a duration before now.
  const [first] = await linesOf(d);
  await waitFor("the clock to pass the first line's millisecond", () => Date.now() > (first?.at ?? 0));
  await startInTurn(d, ["db"]);
  const since = await linesOf(d, `?since=${(first?.at ?? 0) + 1}`);
  expect(since.map((l) => l.text)).not.toContain("GET /health 200");
  expect(since.map((l) => l.text)).toContain("ready");
  expect((await d.cli("logs", "--since", "1h")).stdout.split("\n").filter(Boolean).length).toBe(3);

  const refused = await Promise.all([
    d.cli("logs", "--grep", "("),
    d.cli("logs", "--since", "10"),
    d.cli("logs", "--since", "soon"),
  ]);
  expect(refused.map((r) => [r.code, r.stderr.split("\n")[0]])).toEqual([
    [2, expect.stringContaining("--grep (")],
    [2, "--since 10: give a unit, like 10s or 10ms"],
    [2, expect.stringContaining("--since soon")],
  ]);
});

test("tend ps NAME… --sort mem shows those processes, largest first; tend ls is tend ps", async () => {
  const big = `import time; b = b"a" * (48 << 20); time.sleep(100000)`;
  await using d = await new TestDaemon(
    [
      `[processes.big]\ncommand = ["python3", "-c", '${big}']`,
      `[processes.small]\ncommand = ["${SLEEPER}"]`,
      `[processes.other]\ncommand = ["${SLEEPER}"]`,
    ].join("\n"),
    `metrics_interval = "200ms"`,
  ).start();
  await waitFor(
    "both measured, big holding its 48 MiB",
    async () => {
      const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
      const mem = (n: string) => list.find((p) => p.name === n)?.memory ?? 0;
      return mem("big") > 40 << 20 && mem("small") > 0;
    },
    { timeoutMs: 20_000 },
  );
  const rows = (out: string) =>
    out
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
  const byMem = await d.cli("ps", "small", "big", "--sort", "mem");
  expect({ code: byMem.code, rows: rows(byMem.stdout) }).toEqual({ code: 0, rows: ["big", "small"] });
  const byName = await d.cli("ls", "small", "big", "--sort", "name");
  expect({ code: byName.code, rows: rows(byName.stdout) }).toEqual({ code: 0, rows: ["big", "small"] });
  const json = JSON.parse((await d.cli("ps", "other", "--json")).stdout) as ProcessSnapshot[];
  expect(json.map((p) => p.name)).toEqual(["other"]);
  const unknown = await d.cli("ps", "nope");
  const badSort = await d.cli("ps", "--sort", "colour");
  expect([unknown.code, unknown.stderr.split("\n")[0], badSort.code]).toEqual([
    1,
    'tend: no process named "nope": see tend ps for the list',
    2,
  ]);
});

test("tend status with no name shows every process in full", async () => {
  await using d = await new TestDaemon(
    [
      `[processes.a]\ncommand = ["${SLEEPER}"]`,
      `[processes.b]\ncommand = ["${SLEEPER}"]\ninstances = 2`,
    ].join("\n"),
  ).start();
  await waitFor("three running", async () =>
    (await d.json<ProcessSnapshot[]>("GET", "/v1/processes")).every((p) => p.state === "running"),
  );
  const r = await d.cli("status");
  const names = [...r.stdout.matchAll(/^name: +(\S+)/gm)].map((m) => m[1]);
  expect({ code: r.code, names }).toEqual({ code: 0, names: ["a", "b:0", "b:1"] });
  const json = JSON.parse((await d.cli("status", "--json")).stdout) as ProcessDetail[];
  expect(json.map((p) => [p.name, p.runs.length > 0])).toEqual([
    ["a", true],
    ["b:0", true],
    ["b:1", true],
  ]);
});

test("tend add with --depends-on, --readiness and --env-file makes the process the config table would", async () => {
  await using d = await new TestDaemon(`[processes.db]\ncommand = ["${SLEEPER}"]\n`).start();
  const envFile = join(d.dir.path, "api.env");
  writeFileSync(envFile, "MODE=test\n");
  const table = {
    command: [SLEEPER, "--port", "7000"],
    cwd: d.dir.path,
    env_file: envFile,
    depends_on: { db: "started" },
    readiness: { type: "tcp", port: 7000, interval: "1s" },
    max_memory: "256MiB",
    autostart: false,
  };
  // The same table, once through the API as the config file would have it…
  expect((await d.api("POST", "/v1/processes", { name: "from-table", ...table })).status).toBe(201);
  // …and once from the command line, each key a flag.
  const added = await d.cliIn(
    d.dir.path,
    "add",
    "from-flags",
    "--env-file",
    "api.env",
    "--depends-on",
    'db = "started"',
    "--readiness",
    'type = "tcp", port = 7000, interval = "1s"',
    "--max-memory",
    "256MiB",
    "--no-autostart",
    "--",
    SLEEPER,
    "--port",
    "7000",
  );
  expect(added).toEqual({ code: 0, stdout: "from-flags: added, stopped\n", stderr: "" });
  const shown = async (name: string) => {
    const p = JSON.parse((await d.cli("status", name, "--json")).stdout) as ProcessDetail;
    return {
      spec: p.spec,
      command: p.command,
      cwd: p.cwd,
      dependsOn: p.dependsOn,
      probes: p.probes.map((x) => x.check),
    };
  };
  const fromTable = await shown("from-table");
  expect(await shown("from-flags")).toEqual(fromTable);
  expect(fromTable.probes).toEqual(["tcp 127.0.0.1:7000"]);

  const bad = await Promise.all([
    d.cli("add", "x", "--readiness", "type = ", "--", "true"),
    d.cli("add", "x", "--readiness", 'type = "smoke"', "--", "true"),
    d.cli("add", "x", "--stop-timeout", "5", "--", "true"),
  ]);
  expect(bad.map((r) => [r.code, r.stderr.split("\n")[0]])).toEqual([
    [2, expect.stringContaining("--readiness type = : expected an inline table")],
    [1, 'tend: readiness.type: expected a probe table with type = "http", "tcp", "exec" or "log"'],
    [2, "--stop-timeout 5: give a unit, like 5s or 5ms"],
  ]);
  expect((await d.json<ProcessSnapshot[]>("GET", "/v1/processes")).map((p) => p.name).sort()).toEqual([
    "db",
    "from-flags",
    "from-table",
  ]);
});

test("completion scripts for bash, zsh and fish complete verbs, flags and process names", async () => {
  await using d = await new TestDaemon(
    [`[processes.web]\ncommand = ["${SLEEPER}"]`, `[processes.worker]\ncommand = ["${SLEEPER}"]`].join("\n"),
  ).start();
  // `tend` on PATH, as an operator has it: the scripts call it back for process names.
  const bin = join(d.dir.path, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "tend"), `#!/bin/sh\nexec ${TEND_CMD.map((a) => `'${a}'`).join(" ")} "$@"\n`);
  chmodSync(join(bin, "tend"), 0o755);
  const env = { ...d.env, PATH: `${bin}:${process.env.PATH}` };
  const sh = (shell: string, script: string) => {
    const r = Bun.spawnSync([shell, "-c", script], { env, stdout: "pipe", stderr: "pipe" });
    return { code: r.exitCode, out: r.stdout.toString().trim().split("\n"), err: r.stderr.toString() };
  };

  const bash = sh(
    "bash",
    `source <(tend completion bash); complete -p tend
     COMP_WORDS=(tend re); COMP_CWORD=1; _tend; echo "\${COMPREPLY[*]}"
     COMP_WORDS=(tend restart ""); COMP_CWORD=2; _tend; echo "\${COMPREPLY[*]}"
     COMP_WORDS=(tend logs --s); COMP_CWORD=2; _tend; echo "\${COMPREPLY[*]}"`,
  );
  expect(bash).toEqual({
    code: 0,
    out: [
      "complete -o default -F _tend tend",
      "restart resume reset reload",
      "web worker",
      "--socket --since --stdout --stderr",
    ],
    err: "",
  });

  // zsh's completion functions run inside its line editor; here compadd and _describe are
  // stood in for, to see what the script hands them.
  if (Bun.which("zsh")) {
    const zsh = sh(
      "zsh",
      `compdef() { print "compdef $*" }; _describe() { print -l -- \${(P)2} }
       compadd() { [[ $1 == -- ]] && shift; print -l -- "$@" }
       source <(tend completion zsh)
       words=(tend res); CURRENT=2; echo $(_tend | cut -d: -f1 | grep '^res' | sort)
       words=(tend stop ""); CURRENT=3; echo $(_tend)`,
    );
    expect(zsh).toEqual({
      code: 0,
      out: ["compdef _tend tend", "reset restart resume", "web worker"],
      err: "",
    });
  }

  if (Bun.which("fish")) {
    const fish = sh(
      "fish",
      `tend completion fish | source
       complete -C"tend res" | cut -f1 | sort | string join " "
       complete -C"tend logs " | string join " "
       complete -C"tend ps --so" | string join " "`,
    );
    expect(fish).toEqual({
      code: 0,
      out: ["reset restart resume", "web worker", "--socket --sort"],
      err: "",
    });
  }
});
