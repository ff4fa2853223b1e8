import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { waitHealth } from "../helpers/probe-waits.ts";
import { waitFor } from "../helpers/wait.ts";

// api has an HTTP readiness probe and waits for db, which is healthy once a flag file exists.
async function daemon(d: TestDaemon, port: number, flag: string): Promise<void> {
  await Bun.write(
    d.configPath,
    `${await Bun.file(d.configPath).text()}
[processes.db]
command = ["${FIXTURES}/ready-then-sleep.sh"]
readiness = { type = "exec", command = ["test", "-f", "${flag}"], interval = "50ms", failure_threshold = 1000 }

[processes.api]
command = ["${BUN}", "${FIXTURES}/http-health.ts", "${port}"]
readiness = { type = "http", url = "http://127.0.0.1:${port}/health", interval = "50ms" }
depends_on = { db = "healthy" }
`,
  );
  await d.start();
}

test("tend wait api --for healthy --timeout 10s exits 0 once api is healthy, not before", async () => {
  await using d = new TestDaemon("");
  const flag = join(d.dir.path, "db-ready");
  await daemon(d, freePort(), flag);
  await d.waitState("api", "waiting");
  const wait = Bun.spawn([...TEND_CMD, "wait", "api", "--for", "healthy", "--timeout", "10s"], {
    env: d.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    // api cannot be healthy before the flag exists: tend wait must still be waiting now.
    await waitFor("db's first failed check", async () => (await d.process("db")).lastProbe?.ok === false);
    const stillWaiting = wait.exitCode === null;
    writeFileSync(flag, "");
    const [code, stdout, stderr] = await Promise.all([
      wait.exited,
      new Response(wait.stdout).text(),
      new Response(wait.stderr).text(),
    ]);
    const api = await d.process("api");
    expect({ stillWaiting, code, stdout, stderr, health: api.health }).toEqual({
      stillWaiting: true,
      code: 0,
      stdout: "api: healthy\n",
      stderr: "",
      health: "healthy",
    });
  } finally {
    wait.kill("SIGKILL");
  }
});

test("tend wait exits 1 on timeout, naming each unmet process with its state, health and last probe", async () => {
  await using d = new TestDaemon("");
  const port = freePort();
  await daemon(d, port, join(d.dir.path, "never"));
  await waitFor("db's first failed check", async () => (await d.process("db")).lastProbe?.ok === false);
  const r = await d.cli("wait", "api", "db", "--for", "healthy", "--timeout", "300ms");
  expect(r).toEqual({
    code: 1,
    stdout: "",
    stderr:
      "tend wait: timed out after 300ms; not healthy:\n" +
      "  db: running (autostart), health unknown, last probe readiness: exit 1\n" +
      "  api: waiting (dependencies), health unknown, waiting for db healthy\n",
  });
});

test("tend wait --for started and exited; unknown names exit 1, bad options exit 2", async () => {
  await using d = new TestDaemon(`
[processes.job]
command = ["${FIXTURES}/exit-with.sh", "3"]
restart = "never"

[processes.svc]
command = ["${FIXTURES}/ready-then-sleep.sh"]
`);
  await d.start();
  const exited = await d.cli("wait", "job", "--for", "exited", "--timeout", "10s");
  const started = await d.cli("wait", "svc", "--for", "started");
  const unknown = await d.cli("wait", "ghost", "--timeout", "1s");
  const bad = await d.cli("wait", "svc", "--for", "ready");
  const healthy = await waitHealth(d, "svc", "healthy");
  expect({
    exited: [exited.code, exited.stdout],
    started: [started.code, started.stdout],
    unknown: [unknown.code, unknown.stderr],
    bad: bad.code,
    svc: healthy.state,
  }).toEqual({
    exited: [0, "job: exited\n"],
    started: [0, "svc: started\n"],
    unknown: [1, 'tend: no process named "ghost"\n'],
    bad: 2,
    svc: "running",
  });
});
