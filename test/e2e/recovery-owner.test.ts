import { expect, test } from "bun:test";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { isAlive } from "../helpers/pids.ts";

const SLEEPER = `[processes.sleeper]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`;

// Regression: run ids start at 1 in every state dir, and recovery after a crash looked for the
// run's marker (TEND_RUN=1) in every process on the host, so it stopped another supervisor's
// process with the same run id.
test("recovery after a crash leaves another supervisor's processes alone", async () => {
  await using crashed = await new TestDaemon(SLEEPER).start();
  await using neighbour = await new TestDaemon(SLEEPER).start();
  const before = await crashed.waitState("sleeper", "running");
  const theirs = await neighbour.waitState("sleeper", "running");
  crashed.proc?.kill("SIGKILL");
  await crashed.proc?.exited;
  await crashed.startAgain();
  const after = await crashed.waitState("sleeper", "running");
  expect({
    oldGone: !isAlive(before.pid as number),
    restarted: after.pid !== before.pid,
    neighbourAlive: isAlive(theirs.pid as number),
    neighbourPid: (await neighbour.process<{ pid: number }>("sleeper")).pid,
  }).toEqual({ oldGone: true, restarted: true, neighbourAlive: true, neighbourPid: theirs.pid as number });
});
