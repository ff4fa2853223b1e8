import { expect, test } from "bun:test";
import type { EventRecord, ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { lineReader } from "../helpers/line-reader.ts";
import { waitFor } from "../helpers/wait.ts";

test("tend events -f --json prints the snapshot, then a restart's events in order", async () => {
  await using d = await new TestDaemon(
    `[processes.svc]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  ).start();
  const before = await d.waitState("svc", "running");
  const follower = Bun.spawn([...TEND_CMD, "events", "-f", "--json", "--process", "svc"], {
    env: d.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const lines = lineReader(follower.stdout as ReadableStream<Uint8Array>);
    await waitFor("the snapshot line", () => lines.length >= 1);
    const restarted = await d.api("POST", "/v1/processes/svc/restart");
    expect(restarted.status).toBe(200);
    const parsed = () => lines.map((l) => JSON.parse(l) as { event: string; data: unknown });
    await waitFor("the running event of the restart", () =>
      parsed().some((m) => m.event === "event" && (m.data as EventRecord).type === "process.running"),
    );
    const [snapshot, ...rest] = parsed();
    const snap = snapshot?.data as ProcessSnapshot[];
    expect({ event: snapshot?.event, list: snap.map((p) => [p.name, p.state, p.pid]) }).toEqual({
      event: "snapshot",
      list: [["svc", "running", before.pid]],
    });
    const facts = rest
      .map((m) => m.data as EventRecord)
      .filter((e) => e.type.startsWith("process.") || e.type.startsWith("run."))
      .map((e) => [e.type, e.reason]);
    // A restart never rests at stopped: the old run's end, then the new run.
    expect(facts).toEqual([
      ["process.stopping", "restart"],
      ["run.exited", "restart"],
      ["process.starting", "restart"],
      ["run.started", "restart"],
      ["process.running", "restart"],
    ]);
    expect(rest.every((m) => m.event === "event" && (m.data as EventRecord).process === "svc")).toBe(true);
  } finally {
    follower.kill("SIGTERM");
    await follower.exited;
  }
});
