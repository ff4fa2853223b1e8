import { expect, test } from "bun:test";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { closedPortUrl, WebhookReceiver } from "../helpers/webhook-receiver.ts";

const eventsOf = async (d: TestDaemon, type: string): Promise<EventRecord[]> => {
  const r = await d.cli("events", "--json", "--type", type, "-n", "1000");
  if (r.code !== 0) throw new Error(`tend events exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventRecord);
};

test("a crash loop with min_interval 10s sends one webhook, then one carrying the suppressed count", async () => {
  await using rx = new WebhookReceiver();
  // Crashes every ~100 ms: dozens of crashes inside one interval.
  const toml = `[processes.loop]
command = ["${FIXTURES}/exit-with.sh", "3"]
backoff = { initial = "100ms", max = "100ms", jitter = 0 }

[[alerts]]
on = ["crashed"]
processes = ["loop"]
min_interval = "10s"
webhook = "${rx.url}"
`;
  await using d = await new TestDaemon(toml).start();
  const first = await waitFor("the first webhook", () => rx.received[0]);
  const second = await waitFor("the summary webhook", () => rx.received[1], { timeoutMs: 25_000 });
  await d.cli("stop", "loop");

  // The summary leaves when the interval that began with the first alert ends, not before.
  const gapMs = second.atMs - first.atMs;
  expect(gapMs, `summary ${Math.round(gapMs)} ms after the first alert`).toBeGreaterThan(9_000);
  expect({
    first: { kind: first.body.kind, process: first.body.process, suppressed: first.body.suppressed },
    second: { kind: second.body.kind, process: second.body.process },
    event: (first.body.event as EventRecord).type,
  }).toEqual({
    first: { kind: "crashed", process: "loop", suppressed: 0 },
    second: { kind: "crashed", process: "loop" },
    event: "run.exited",
  });
  expect(second.body.suppressed as number).toBeGreaterThan(0);

  const delivered = await waitFor("two alert.delivered events", async () => {
    const list = await eventsOf(d, "alert.delivered");
    return list.length >= 2 ? list : null;
  });
  expect(delivered.slice(0, 2).map((e) => ({ process: e.process, ...pick(e.details) }))).toEqual([
    { process: "loop", kind: "crashed", suppressed: 0, target: rx.url, attempts: 1, status: 200 },
    {
      process: "loop",
      kind: "crashed",
      suppressed: second.body.suppressed,
      target: rx.url,
      attempts: 1,
      status: 200,
    },
  ]);
}, 40_000);

test("a failing webhook is retried, then recorded as alert.failed", async () => {
  await using rx = new WebhookReceiver(500);
  const closed = await closedPortUrl();
  const rule = (url: string) =>
    `[[alerts]]\non = ["crashed"]\nmin_interval = "1m"\nwebhook = "${url}"\ntimeout = "2s"\nretries = 1\n`;
  const toml = `[processes.once]
command = ["${FIXTURES}/exit-with.sh", "3"]
restart = "never"

${rule(rx.url)}
${rule(closed)}`;
  await using d = await new TestDaemon(toml).start();
  const failed = await waitFor(
    "two alert.failed events",
    async () => {
      const list = await eventsOf(d, "alert.failed");
      return list.length >= 2 ? list : null;
    },
    { timeoutMs: 15_000 },
  );
  const byTarget = Object.fromEntries(failed.map((e) => [e.details?.target as string, e.details]));
  expect({
    received: rx.received.length,
    http500: pick(byTarget[rx.url] ?? null),
    refused: { attempts: byTarget[closed]?.attempts, status: byTarget[closed]?.status },
    refusedSaysWhy: typeof byTarget[closed]?.error === "string",
  }).toEqual({
    received: 2,
    http500: { kind: "crashed", suppressed: 0, target: rx.url, attempts: 2, status: 500 },
    refused: { attempts: 2, status: null },
    refusedSaysWhy: true,
  });
  expect(await eventsOf(d, "alert.delivered")).toEqual([]);
});

function pick(details: Record<string, unknown> | null) {
  const { kind, suppressed, target, attempts, status } = details ?? {};
  return { kind, suppressed, target, attempts, status };
}
