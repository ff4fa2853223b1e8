import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// Rewrites the [processes] part of the daemon's config: `from` becomes `to`.
function rewrite(d: TestDaemon, from: string, to: string): void {
  const text = readFileSync(d.configPath, "utf8");
  if (!text.includes(from)) throw new Error(`the config does not contain ${JSON.stringify(from)}`);
  writeFileSync(d.configPath, text.replace(from, to));
}

// Regression: a reload replaced the spec before stopping the old run, which then got the new
// stop_signal and stop_timeout.
test("a reload stops the old run as it began: with its own stop_signal", async () => {
  await using d = new TestDaemon("");
  const file = join(d.dir.path, "usr1");
  const old = `[processes.svc]
command = ["${FIXTURES}/trap-usr1.sh", "${file}"]
stop_signal = "SIGUSR1"
stop_timeout = "1s"
`;
  writeFileSync(d.configPath, `${readFileSync(d.configPath, "utf8")}\n${old}`);
  await d.start();
  await waitFor("svc ready", () => /^ready \d+$/m.test(d.log("svc")));
  const before = await d.process("svc");
  rewrite(
    d,
    'stop_signal = "SIGUSR1"\nstop_timeout = "1s"',
    `stop_signal = "SIGTERM"\nstop_timeout = "30s"\nenv = { CHANGED = "1" }`,
  );
  const r = await d.cli("reload");
  expect(r.code, r.stderr).toBe(0);
  const after = await d.waitState("svc", "running");
  const oldRun = (await d.history("svc")).find((x) => x.pid === before.pid);
  expect({
    usr1: existsSync(file) ? readFileSync(file, "utf8") : "",
    oldRun: [oldRun?.signal, oldRun?.reason],
    newPid: after.pid !== before.pid,
  }).toEqual({ usr1: "usr1\n", oldRun: ["SIGKILL", "restart"], newPid: true });
}, 20_000);

// Regression: log settings of a changed process were ignored until the supervisor restarted.
test("a reload's new log settings apply to the process's next run", async () => {
  const cmd = `command = ["sh", "-c", "echo hello run $TEND_RUN; exec sleep 100000"]`;
  await using d = await new TestDaemon(`[processes.svc]\n${cmd}\n`).start();
  await waitFor("the first run's line", () => d.log("svc").includes("hello run"));
  rewrite(d, cmd, `${cmd}\nlog_timestamps = true\nlog_merge = true`);
  expect((await d.cli("reload")).code).toBe(0);
  const merged = join(d.logDir, "svc.log");
  const line = await waitFor("the second run's line in the merged file", () => {
    const text = existsSync(merged) ? readFileSync(merged, "utf8") : "";
    return text.split("\n").find((l) => l.includes("hello run")) ?? null;
  });
  expect({
    first: d.log("svc").trim().split("\n").length,
    stamped: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(line),
  }).toEqual({ first: 1, stamped: true });
});

// Regression: a reload could remove a process that a run-time one depends on, and a refused
// reload left no event.
test("a reload that would strand a dependent is refused, changes nothing, and is an event", async () => {
  const db = `[processes.db]\ncommand = ["sleep", "100000"]\n`;
  await using d = await new TestDaemon(db).start();
  const added = await d.api("POST", "/v1/processes", {
    name: "worker",
    command: ["sleep", "100000"],
    depends_on: { db: "started" },
  });
  expect(added.status).toBe(201);
  const before = await d.waitState("db", "running");
  rewrite(d, db, `[processes.other]\ncommand = ["sleep", "100000"]\n`);
  const r = await d.cli("reload");
  const failed = await d.json<EventRecord[]>("GET", "/v1/events?type=supervisor.reload_failed");
  const db2 = await d.process("db");
  expect({
    code: r.code,
    names: r.stderr.includes("worker") && r.stderr.includes("db"),
    db: [db2.state, db2.pid === before.pid],
    other: (await d.api("GET", "/v1/processes/other")).status,
    event: failed.map((e) => String(e.details?.error).includes("worker")),
  }).toEqual({ code: 1, names: true, db: ["running", true], other: 404, event: [true] });
});

// Regression: tend rm removed a process others depended on.
test("tend rm of a process another depends on is refused, naming the dependent", async () => {
  await using d = await new TestDaemon("").start();
  expect((await d.cli("add", "base", "--", "sleep", "100000")).code).toBe(0);
  const added = await d.api("POST", "/v1/processes", {
    name: "top",
    command: ["sleep", "100000"],
    depends_on: { base: "started" },
  });
  expect(added.status).toBe(201);
  const r = await d.cli("rm", "base");
  const base = await d.process("base");
  expect({ code: r.code, stderr: r.stderr.trim(), base: base.state }).toEqual({
    code: 1,
    stderr: "tend: cannot remove base: top depends on it; remove it first",
    base: "running",
  });
});

// A reload restarts a changed process only if it was meant to run: one the operator stopped
// stays stopped.
test("a reload never undoes a stop: a stopped process whose config changed stays stopped", async () => {
  const svc = `[processes.svc]\ncommand = ["sleep", "100000"]\n`;
  await using d = await new TestDaemon(svc).start();
  await d.waitState("svc", "running");
  expect((await d.cli("stop", "svc")).code).toBe(0);
  rewrite(d, svc, `${svc}env = { CHANGED = "1" }\n`);
  const r = await d.cli("reload", "--json");
  const p = await d.process("svc");
  expect({ code: r.code, changed: JSON.parse(r.stdout).changed, state: p.state, reason: p.reason }).toEqual({
    code: 0,
    changed: ["svc"],
    state: "stopped",
    reason: "requested",
  });
});
