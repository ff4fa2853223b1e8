import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";
import { WebhookReceiver } from "../helpers/webhook-receiver.ts";

test("a log alert fires on the matching line, not on the others", async () => {
  await using rx = new WebhookReceiver();
  // The fixture prints "accepting connections" only when it gets SIGUSR1.
  const toml = `[processes.db]
command = ["${FIXTURES}/print-on-usr1.sh"]

[[alerts]]
on = ["log"]
pattern = "accepting conn"
processes = ["db"]
min_interval = "1m"
webhook = "${rx.url}"
`;
  await using d = await new TestDaemon(toml).start();
  const { pid } = await d.waitState("db", "running");
  await waitFor("db's first line (its trap is set)", () => d.log("db").includes("starting"));
  expect(rx.received).toEqual([]); // "starting" does not match

  process.kill(pid as number, "SIGUSR1");
  const alert = await waitFor("the log alert", () => rx.received[0]);
  expect({
    kind: alert.body.kind,
    process: alert.body.process,
    text: (alert.body.event as { text: string }).text,
    suppressed: alert.body.suppressed,
  }).toEqual({ kind: "log", process: "db", text: "accepting connections", suppressed: 0 });
});

test("a command alert gets the alert JSON on stdin and in TEND_ALERT", async () => {
  using out = tempDir();
  const script =
    'cat > "$0/stdin.json"; printf %s "$TEND_ALERT" > "$0/env.tmp"; mv "$0/env.tmp" "$0/env.json"';
  const toml = `[processes.once]
command = ["${FIXTURES}/exit-with.sh", "7"]
restart = "never"

[[alerts]]
on = ["crashed"]
command = ["sh", "-c", ${JSON.stringify(script)}, "${out.path}"]
`;
  await using d = await new TestDaemon(toml).start();
  const envFile = join(out.path, "env.json");
  await waitFor("the alert command to finish", () => existsSync(envFile));
  const stdin = JSON.parse(readFileSync(join(out.path, "stdin.json"), "utf8"));
  const env = JSON.parse(readFileSync(envFile, "utf8"));
  const event = stdin.event as EventRecord;
  expect({
    sameInEnv: JSON.stringify(env) === JSON.stringify(stdin),
    kind: stdin.kind,
    process: stdin.process,
    suppressed: stdin.suppressed,
    event: { type: event.type, process: event.process, reason: event.reason, code: event.details?.code },
  }).toEqual({
    sameInEnv: true,
    kind: "crashed",
    process: "once",
    suppressed: 0,
    event: { type: "run.exited", process: "once", reason: "crashed", code: 7 },
  });
  const delivered = await waitFor("alert.delivered", async () => {
    const list = await d.json<EventRecord[]>("GET", "/v1/events?type=alert.delivered");
    return list.length ? list : null;
  });
  expect(delivered.map((e) => [e.process, e.details?.status])).toEqual([["once", 0]]);
});
