import { expect, test } from "bun:test";
import { kindsOf } from "../../src/alerts/alert-rule.ts";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// Regression: a task that exited 1 yielded two `process.exited` events (the run's end, with its
// pid, and the state change without one), so a `crashed` alert fired twice for one crash.
test("a task that exits 1 is one run.exited and one process.exited: one crash, one alert", async () => {
  const toml = `[processes.once]
command = ["${FIXTURES}/exit-with.sh", "1"]
restart = "never"

[[alerts]]
on = ["crashed"]
min_interval = "0s"
command = ["true"]
`;
  await using d = await new TestDaemon(toml).start();
  await d.waitState("once", "exited");
  const delivered = await waitFor("the alert's delivery", async () => {
    const list = await d.json<EventRecord[]>("GET", "/v1/events?type=alert.delivered");
    return list.length ? list : null;
  });
  const events = await d.json<EventRecord[]>("GET", "/v1/events?process=once&events=100");
  const runFacts = events.filter((e) => e.type.startsWith("run."));
  const pid = runFacts.find((e) => e.type === "run.started")?.details?.pid;
  expect({
    runFacts: runFacts.map((e) => [e.type, e.reason, e.details?.pid, e.details?.code]),
    transitions: events.filter((e) => e.type === `process.${e.state}`).map((e) => `${e.state}(${e.reason})`),
    crashes: events.filter((e) => kindsOf(e).includes("crashed")).length,
    delivered: delivered.map((e) => e.details?.kind),
  }).toEqual({
    runFacts: [
      ["run.started", "autostart", pid, undefined],
      ["run.exited", "crashed", pid, 1],
    ],
    transitions: ["starting(autostart)", "running(autostart)", "exited(crashed)"],
    crashes: 1,
    delivered: ["crashed"],
  });
});
