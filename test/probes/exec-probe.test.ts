import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { isAlive, pidsWithEnv } from "../helpers/pids.ts";
import { waitEvent, waitHealth } from "../helpers/probe-waits.ts";
import { waitFor } from "../helpers/wait.ts";

test("exec readiness: exit 0 passes, exit 1 fails at the threshold; the flag file turns it around", async () => {
  await using d = new TestDaemon("");
  const flag = join(d.dir.path, "ready.flag");
  writeFileSync(
    d.configPath,
    `${await Bun.file(d.configPath).text()}
[processes.svc]
command = ["${FIXTURES}/ready-then-sleep.sh"]
readiness = { type = "exec", command = "test -f ${flag} || { echo no flag yet; exit 1; }", interval = "100ms", failure_threshold = 2 }
`,
  );
  await d.start();
  const sick = await waitHealth(d, "svc", "unhealthy");
  const failed = await waitEvent(d, "svc", "probe.failed");
  writeFileSync(flag, "");
  const well = await waitHealth(d, "svc", "healthy");
  expect({
    sick: sick.lastProbe?.message,
    failures: failed.details?.failures,
    well: well.lastProbe?.message,
    samePid: well.pid === sick.pid,
    flag: existsSync(flag),
  }).toEqual({ sick: "exit 1: no flag yet", failures: 2, well: "exit 0", samePid: true, flag: true });
});

test("exec timeout: the check's whole process group is killed at the timeout, nothing is left", async () => {
  await using d = await new TestDaemon(`
[processes.svc]
command = ["${FIXTURES}/ready-then-sleep.sh"]
readiness = { type = "exec", command = "sleep 30 & sleep 30", interval = "100ms", timeout = "200ms", failure_threshold = 1 }
`).start();
  // Every check (sh and both sleeps) carries these markers.
  const probes = () => pidsWithEnv(`TEND_TEST_ID=${d.id}`, "TEND_PROBE=readiness");
  const inFlight = await waitFor("a check in flight with its background sleep", () => {
    const pids = probes();
    return pids.length >= 2 ? pids : null;
  });
  await waitFor("that check's whole group gone at its timeout, the process still running", () => {
    const left = inFlight.filter(isAlive);
    if (left.length) throw new Error(`still alive: ${left.join(" ")}`);
    return true;
  });
  const p = await waitHealth(d, "svc", "unhealthy");
  expect({
    state: p.state,
    message: p.lastProbe?.message,
    slowEnough: (p.lastProbe?.latencyMs ?? 0) >= 200,
  }).toEqual({
    state: "running",
    message: "timed out after 200ms",
    slowEnough: true,
  });
});
