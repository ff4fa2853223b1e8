import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import type { RunRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { WebhookReceiver } from "../helpers/webhook-receiver.ts";

test("tend reload applies changed [[alerts]]", async () => {
  await using rx = new WebhookReceiver();
  const toml = `[processes.svc]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`;
  await using d = await new TestDaemon(toml).start();
  await d.waitState("svc", "running");
  writeFileSync(
    d.configPath,
    `${readFileSync(d.configPath, "utf8")}\n[[alerts]]\non = ["process.signalled"]\nmin_interval = "1m"\nwebhook = "${rx.url}"\n`,
  );
  expect((await d.cli("reload")).code).toBe(0);
  expect((await d.cli("signal", "svc", "SIGCONT")).code).toBe(0);
  const alert = await waitFor("the alert of the new rule", () => rx.received[0]);
  expect([alert.body.kind, alert.body.process]).toEqual(["process.signalled", "svc"]);
});

test("tend history: a crash loop that gives up records its last run as crashed, newest first", async () => {
  const toml = `[processes.loop]
command = ["${FIXTURES}/exit-with.sh", "3"]
max_restarts = 2
backoff = { initial = "10ms", max = "10ms", jitter = 0 }
`;
  await using d = await new TestDaemon(toml).start();
  await d.waitState("loop", "failed");
  const r = await d.cli("history", "loop", "--json");
  const runs = JSON.parse(r.stdout) as RunRecord[];
  expect(runs.map((x) => [x.reason, x.exitCode])).toEqual([
    ["crashed", 3],
    ["crashed", 3],
    ["crashed", 3],
  ]);
  expect(runs.map((x) => x.id)).toEqual([...runs.map((x) => x.id)].sort((a, b) => b - a));
  expect((await d.process("loop")).reason).toBe("max_restarts");
});
