import { expect, test } from "bun:test";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEP = `command = ["${FIXTURES}/ready-then-sleep.sh"]`;
const CONFIG = `[processes.stopped_by_hand]
${SLEEP}

[processes.left_running]
${SLEEP}

[processes.paused_by_hand]
${SLEEP}

[processes.task]
command = ["${FIXTURES}/exit-with.sh", "0"]
restart = "never"

[processes.gives_up]
command = ["${FIXTURES}/exit-with.sh", "1"]
max_restarts = 1
backoff = { initial = "10ms", jitter = 0 }
`;

const states = async (d: TestDaemon) =>
  Object.fromEntries(
    (await d.json<ProcessSnapshot[]>("GET", "/v1/processes")).map((p) => [
      p.name,
      `${p.state} (${p.reason})`,
    ]),
  );
const runCount = async (d: TestDaemon, name: string) => (await d.history(name)).length;

// Regression: after a crash of the supervisor, a process the operator had stopped came back at
// the next tend up. The intent is restored after a crash; after a clean tend down the config's
// autostart decides again.
test("after kill -9 every process comes back as the operator left it; after tend down, as the config says", async () => {
  await using d = await new TestDaemon(CONFIG).start();
  await d.waitState("task", "exited");
  await d.waitState("gives_up", "failed");
  const add = (name: string) =>
    d.api("POST", "/v1/processes", { name, command: [`${FIXTURES}/ready-then-sleep.sh`] });
  expect([(await add("added_running")).status, (await add("added_stopped")).status]).toEqual([201, 201]);
  for (const [verb, name] of [
    ["stop", "stopped_by_hand"],
    ["stop", "added_stopped"],
    ["pause", "paused_by_hand"],
  ])
    expect((await d.cli(verb as string, name as string)).code).toBe(0);
  const runsBefore = { task: await runCount(d, "task"), gives_up: await runCount(d, "gives_up") };

  d.proc?.kill("SIGKILL");
  await d.proc?.exited;
  await d.startAgain();
  const afterCrash = await waitFor("every process back as it was", async () => {
    const s = await states(d);
    if (s.paused_by_hand?.startsWith("running") && s.added_running?.startsWith("running")) return s;
    throw new Error(JSON.stringify(s));
  });
  const runsAfterCrash = { task: await runCount(d, "task"), gives_up: await runCount(d, "gives_up") };

  expect((await d.cli("down")).code).toBe(0);
  expect(await d.proc?.exited).toBe(0);
  await d.startAgain();
  await d.waitState("task", "exited");
  await d.waitState("gives_up", "failed");
  const afterDown = await waitFor("the config's autostart", async () => {
    const s = await states(d);
    if (s.stopped_by_hand?.startsWith("running") && s.added_stopped?.startsWith("running")) return s;
    throw new Error(JSON.stringify(s));
  });
  expect({
    afterCrash,
    taskRunAgain: runsAfterCrash.task > runsBefore.task,
    gaveUpRunAgain: runsAfterCrash.gives_up > runsBefore.gives_up,
    afterDown,
  }).toEqual({
    afterCrash: {
      stopped_by_hand: "stopped (restored)",
      left_running: "running (recovered)",
      paused_by_hand: "running (recovered_from_pause)",
      task: "exited (restored)",
      gives_up: "failed (restored)",
      added_running: "running (recovered)",
      added_stopped: "stopped (restored)",
    },
    taskRunAgain: false,
    gaveUpRunAgain: false,
    afterDown: {
      stopped_by_hand: "running (autostart)",
      left_running: "running (autostart)",
      paused_by_hand: "running (autostart)",
      task: "exited (exited)",
      gives_up: "failed (max_restarts)",
      added_running: "running (autostart)",
      added_stopped: "running (autostart)",
    },
  });
}, 40_000);
