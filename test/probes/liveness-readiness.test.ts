import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { events, waitEvent, waitHealth } from "../helpers/probe-waits.ts";
import { waitFor } from "../helpers/wait.ts";

test("a liveness failure restarts the process through the backoff, with reason liveness", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.api]
command = ["${BUN}", "${FIXTURES}/http-health.ts", "${port}"]
liveness = { type = "http", url = "http://127.0.0.1:${port}/health", interval = "100ms", failure_threshold = 2 }
backoff = { initial = "10ms", jitter = 0 }
`).start();
  const first = await waitHealth(d, "api", "healthy");
  await waitEvent(d, "api", "process.running");
  await waitFor("a liveness check that passed", async () => (await d.process("api")).lastProbe?.ok === true);
  await fetch(`http://127.0.0.1:${port}/unhealthy`, { method: "POST" });
  const second = await waitFor("a new run of api", async () => {
    const p = await d.process("api");
    return p.state === "running" && p.pid !== first.pid ? p : null;
  });
  const runs = await d.history("api");
  const backoff = (await events(d, "api", "process.backoff"))[0];
  const failed = (await events(d, "api", "probe.failed"))[0];
  expect({
    restarts: second.restarts,
    runs: runs.map((r) => ({ pid: r.pid, reason: r.reason })),
    backoff: { reason: backoff?.reason, delayMs: backoff?.details?.delayMs },
    failed: {
      reason: failed?.reason,
      message: failed?.details?.message,
      failures: failed?.details?.failures,
    },
    oldAlive: d.processPids("api").includes(first.pid as number),
  }).toEqual({
    restarts: 1,
    runs: [
      { pid: second.pid as number, reason: null },
      { pid: first.pid as number, reason: "liveness" },
    ],
    backoff: { reason: "liveness", delayMs: 10 },
    failed: { reason: "liveness", message: "HTTP 503", failures: 2 },
    oldAlive: false,
  });
});

test("a readiness failure never restarts the process, and its dependents wait until it is healthy", async () => {
  await using d = new TestDaemon("");
  const flag = join(d.dir.path, "db-ready");
  await Bun.write(
    d.configPath,
    `${await Bun.file(d.configPath).text()}
[processes.db]
command = ["${FIXTURES}/ready-then-sleep.sh"]
readiness = { type = "exec", command = ["test", "-f", "${flag}"], interval = "100ms", failure_threshold = 2 }

[processes.api]
command = ["${FIXTURES}/ready-then-sleep.sh"]
depends_on = { db = "healthy" }
`,
  );
  await d.start();
  const sick = await waitHealth(d, "db", "unhealthy");
  // Several more failed checks: still the same run, and api still waits.
  const failures = async () => (await d.process("db")).probes[0]?.failures ?? 0;
  await waitFor("five failed readiness checks in a row", async () => (await failures()) >= 5);
  const held = { db: await d.process("db"), api: await d.process("api") };
  writeFileSync(flag, "");
  const api = await d.waitState("api", "running");
  const db = await d.process("db");
  expect({
    held: {
      db: [held.db.state, held.db.health, held.db.pid === sick.pid, held.db.restarts],
      api: [held.api.state, held.api.waitingFor],
    },
    after: {
      db: [db.health, db.pid === sick.pid, db.restarts, (await d.history("db")).length],
      api: api.health,
    },
  }).toEqual({
    held: { db: ["running", "unhealthy", true, 0], api: ["waiting", ["db healthy"]] },
    after: { db: ["healthy", true, 0, 1], api: "healthy" },
  });
});
