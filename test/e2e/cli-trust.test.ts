import { expect, test } from "bun:test";
import { FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `command = ["${FIXTURES}/ready-then-sleep.sh"]`;

// Regression: with log_timestamps, `tend logs -n` mixed timestamped lines (from the file) and
// bare ones (from memory).
test("tend logs -n beyond what memory holds: every line timestamped alike", async () => {
  await using d = new TestDaemon(
    `[processes.chatty]
command = ["${FIXTURES}/numbered-lines.sh", "300"]
restart = "never"
log_timestamps = true
`,
    "log_buffer_lines = 100",
  );
  await d.start();
  await d.waitState("chatty", "exited");
  // 600 lines (300 on each stream) asked for, 100 of them in memory: the rest comes from the files.
  const r = await d.cli("logs", "chatty", "-n", "3000");
  const lines = r.stdout.trim().split("\n");
  const bare = lines.filter((l) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (out|err) /.test(l));
  expect({ code: r.code, lines: lines.length, bare: bare.slice(0, 3) }).toEqual({
    code: 0,
    lines: 600,
    bare: [],
  });
});

// Regression: `tend progress` printed into the task's own log.
test("tend progress from inside a task prints nothing into its log", async () => {
  const cli = TEND_CMD.map((a) => `'${a}'`).join(" ");
  await using d = await new TestDaemon(`[processes.task]
command = ["sh", "-c", ${JSON.stringify(`${cli} progress 42% && echo done`)}]
restart = "never"
`).start();
  await d.waitState("task", "exited");
  const p = await d.process("task");
  expect({ log: d.log("task"), progress: p.progress?.fraction, exit: p.lastExit }).toEqual({
    log: "done\n",
    progress: 0.42,
    exit: { code: 0, signal: null },
  });
});

// Regression: `tend history` of a removed process was refused although its runs are stored.
test("tend history of a removed process shows its runs", async () => {
  await using d = await new TestDaemon("").start();
  expect((await d.cli("add", "gone", "--", "sleep", "100000")).code).toBe(0);
  expect((await d.cli("rm", "gone")).code).toBe(0);
  const r = await d.cli("history", "gone", "--json");
  expect({
    code: r.code,
    reasons: (JSON.parse(r.stdout) as { reason: string }[]).map((x) => x.reason),
  }).toEqual({
    code: 0,
    reasons: ["stopped"],
  });
});

// Regression: `pause --all` exited 1 because a finished task cannot pause, while `stop --all`
// exited 0. With --all, processes an action does not apply to are skipped and listed.
test("with --all, processes the action does not apply to are skipped, listed, and fail nothing", async () => {
  await using d = await new TestDaemon(`[processes.svc]
${SLEEPER}

[processes.task]
command = ["${FIXTURES}/exit-with.sh", "0"]
restart = "never"
`).start();
  const { pid } = await d.waitState("svc", "running");
  await d.waitState("task", "exited");
  const pause = await d.cli("pause", "--all");
  const resume = await d.cli("resume", "--all");
  const stop = await d.cli("stop", "--all");
  expect({
    pause: [pause.code, pause.stdout],
    resume: [resume.code, resume.stdout],
    stop: [stop.code, stop.stdout.split("\n")[0]],
  }).toEqual({
    pause: [0, `skipped: task (exited)\nsvc: paused (pid ${pid})\n`],
    resume: [0, `skipped: task (exited)\nsvc: running (pid ${pid})\n`],
    stop: [0, "skipped: task (exited)"],
  });
});

test("options that find the supervisor may come before the verb", async () => {
  await using d = await new TestDaemon(`[processes.svc]\n${SLEEPER}\n`).start();
  await d.waitState("svc", "running");
  const env = { ...d.env, TEND_SOCKET: "/nonexistent/tend.sock" };
  const run = (...args: string[]) =>
    Bun.spawnSync([...TEND_CMD, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const withConfig = run("-c", d.configPath, "ps", "--json");
  const withSocket = run("--socket", d.socket, "status", "svc");
  expect({
    config: [withConfig.exitCode, JSON.parse(withConfig.stdout.toString())[0]?.name],
    socket: [withSocket.exitCode, /^state: +running/m.test(withSocket.stdout.toString())],
  }).toEqual({ config: [0, "svc"], socket: [0, true] });
});

// Regression: the HTTP client's own words ("Was there a typo in the url or port?") leaked into
// the CLI's messages.
test("an unreachable supervisor is explained in tend's words", () => {
  const r = Bun.spawnSync([...TEND_CMD, "ps"], {
    env: { ...(process.env as Record<string, string>), TEND_SOCKET: "/nonexistent/tend.sock" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr = r.stderr.toString();
  expect({
    code: r.exitCode,
    line: stderr.split("\n")[0],
    leaks: /typo|verbose|fetch\(\)/.test(stderr),
  }).toEqual({
    code: 3,
    line: "tend: cannot reach the supervisor at /nonexistent/tend.sock: no socket there",
    leaks: false,
  });
});

// Regression: `logs -f` and `events -f` exited 1 with ECONNRESET when the supervisor shut down.
test("logs -f and events -f end with exit 0, saying the supervisor stopped", async () => {
  await using d = await new TestDaemon(`[processes.svc]\n${SLEEPER}\n`).start();
  await d.waitState("svc", "running");
  const follow = (...args: string[]) => {
    const p = Bun.spawn([...TEND_CMD, ...args], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
    const seen = { out: "" };
    void (async () => {
      for await (const chunk of p.stdout as ReadableStream<Uint8Array>)
        seen.out += new TextDecoder().decode(chunk);
    })();
    return { p, seen };
  };
  const logs = follow("logs", "-f", "svc");
  const events = follow("events", "-f");
  // Each prints what it joined with (the recent lines; the snapshot) once it is connected.
  await waitFor(
    "both followers connected",
    () => logs.seen.out.includes("ready") && events.seen.out.includes("snapshot"),
  );
  expect((await d.cli("down")).code).toBe(0);
  const [logsCode, eventsCode] = await Promise.all([logs.p.exited, events.p.exited]);
  const [logsErr, eventsErr] = await Promise.all([
    new Response(logs.p.stderr as ReadableStream).text(),
    new Response(events.p.stderr as ReadableStream).text(),
  ]);
  expect({ logs: [logsCode, logsErr.trim()], events: [eventsCode, eventsErr.trim()] }).toEqual({
    logs: [0, "tend: the supervisor stopped"],
    events: [0, "tend: the supervisor stopped"],
  });
});

// Regression: `--stop-timeout 5` meant 5 ms.
test("a duration flag without a unit is refused with a hint", async () => {
  await using d = await new TestDaemon("").start();
  const r = await d.cli("add", "x", "--stop-timeout", "5", "--", "sleep", "1");
  const w = await d.cli("wait", "x", "--timeout", "30");
  expect({
    add: [r.code, r.stderr.split("\n")[0]],
    wait: [w.code, w.stderr.split("\n")[0]],
    added: (await d.api("GET", "/v1/processes/x")).status,
  }).toEqual({
    add: [2, "--stop-timeout 5: give a unit, like 5s or 5ms"],
    wait: [2, "--timeout 30: give a unit, like 30s or 30ms"],
    added: 404,
  });
});
