import { expect, test } from "bun:test";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { events, waitHealth } from "../helpers/probe-waits.ts";
import { waitFor } from "../helpers/wait.ts";

// The fixture prints "starting PID" at once and "accepting connections" on SIGUSR1.
const PRINTER = `command = ["${FIXTURES}/print-on-usr1.sh"]`;

async function printerPid(d: TestDaemon): Promise<number> {
  const p = await d.waitState("svc", "running");
  await waitFor("the fixture's first line", () => d.log("svc").includes("starting"));
  return p.pid as number;
}

test("log readiness: unknown until the line appears, then healthy at once (not at the next period)", async () => {
  await using d = await new TestDaemon(`
[processes.svc]
${PRINTER}
readiness = { type = "log", pattern = "accepting conn", interval = "1h", failure_threshold = 1000 }
`).start();
  const pid = await printerPid(d);
  const before = await d.process("svc");
  process.kill(pid, "SIGUSR1");
  const p = await waitHealth(d, "svc", "healthy");
  expect({ before: before.health, last: { ok: p.lastProbe?.ok, message: p.lastProbe?.message } }).toEqual({
    before: "unknown",
    last: { ok: true, message: "matched: accepting connections" },
  });
});

test("log readiness failure: no matching line by the threshold → unhealthy; the line → recovered", async () => {
  await using d = await new TestDaemon(`
[processes.svc]
${PRINTER}
readiness = { type = "log", pattern = "accepting conn", interval = "100ms", failure_threshold = 2 }
`).start();
  const pid = await printerPid(d);
  const sick = await waitHealth(d, "svc", "unhealthy");
  process.kill(pid, "SIGUSR1");
  await waitHealth(d, "svc", "healthy");
  const [failed] = await events(d, "svc", "probe.failed");
  const [recovered] = await events(d, "svc", "probe.recovered");
  expect({
    sick: sick.lastProbe?.message,
    failures: failed?.details?.failures,
    recovered: recovered?.details?.message,
  }).toEqual({
    sick: "no line matching /accepting conn/ yet",
    failures: 2,
    recovered: "matched: accepting connections",
  });
});
