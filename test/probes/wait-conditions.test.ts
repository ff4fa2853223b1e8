import { expect, test } from "bun:test";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";

const CONFIG = `[processes.svc]
command = ["${FIXTURES}/ready-then-sleep.sh"]

[processes.task]
command = ["${FIXTURES}/exit-with.sh", "0"]
restart = "never"

[processes.idle]
command = ["${FIXTURES}/ready-then-sleep.sh"]
autostart = false
`;

// Regression: `--timeout 0` always failed (the timer beat the first look), and a condition that
// could no longer be met (a finished task, a stopped process) was waited for the whole timeout.
// The one-hour timeouts below are far beyond the CLI helper's own deadline: a wait that did not
// fail at once would fail the test there.
test("tend wait: --timeout 0 looks once; a condition that cannot be met fails at once, naming the state", async () => {
  await using d = await new TestDaemon(CONFIG).start();
  await d.waitState("svc", "running");
  await d.waitState("task", "exited");
  const once = await d.cli("wait", "svc", "--timeout", "0");
  const onceUnmet = await d.cli("wait", "svc", "--for", "exited", "--timeout", "0");
  const finished = await d.cli("wait", "task", "--for", "healthy", "--timeout", "1h");
  const stopped = await d.cli("wait", "idle", "--for", "started", "--timeout", "1h");
  const taskExited = await d.cli("wait", "task", "--for", "exited", "--timeout", "1h");
  const first = (s: string) => s.split("\n")[0];
  expect({
    once: [once.code, once.stdout.trim()],
    onceUnmet: [onceUnmet.code, first(onceUnmet.stderr)],
    finished: [finished.code, first(finished.stderr)],
    stopped: [stopped.code, first(stopped.stderr)],
    taskExited: [taskExited.code, taskExited.stdout.trim()],
  }).toEqual({
    once: [0, "svc: healthy"],
    onceUnmet: [1, "tend wait: checked once (--timeout 0); not exited:"],
    finished: [1, "tend wait: task is exited and cannot become healthy by itself; not healthy:"],
    stopped: [1, "tend wait: idle is stopped and cannot become started by itself; not started:"],
    taskExited: [0, "task: exited"],
  });
});
