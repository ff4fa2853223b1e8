import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

// The leader exits after a second; its setsid grandchild ignores SIGTERM (inherited from the
// trap), so stopping the leftovers lasts stop_timeout.
const LEAKY = `[processes.leaky]
command = ["sh", "-c", "trap '' TERM; (setsid sleep 791001 &); sleep 1; exit 1"]
restart = "always"
stop_timeout = "5s"
backoff = { initial = "100ms", jitter = 0 }
`;

const grandchildren = (d: TestDaemon): ProcId[] =>
  d.processPids("leaky").flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "latin1") === "sleep\u0000791001\u0000"
        ? (procId(pid) ?? [])
        : [];
    } catch {
      return []; // gone meanwhile
    }
  });

// Regression: tend closed a run in the store as soon as its leader exited, then stopped the
// leftovers. A supervisor killed in that window never looked for them again (recovery searches
// open runs only): copies of the grandchild piled up, and survived tend down.
test("kill -9 while a run's leftovers are being stopped: the next tend up finds and stops them", async () => {
  await using d = await new TestDaemon(LEAKY).start();
  const old = await waitFor("leaky stopping its leftovers, the grandchild alive", async () => {
    const p = await d.process("leaky");
    const gc = grandchildren(d);
    if (p.reason !== "leftovers" || gc.length !== 1)
      throw new Error(`${p.state} (${p.reason}), grandchildren ${JSON.stringify(gc)}`);
    return { grandchild: gc[0] as ProcId, run: p.runs[0] };
  });
  d.proc?.kill("SIGKILL");
  await d.proc?.exited;
  const outlived = stillAlive(old.grandchild);
  await d.startAgain();
  await waitFor("the old grandchild to be stopped by recovery", () => !stillAlive(old.grandchild), {
    timeoutMs: 20_000,
  });
  const recovered = (await d.history("leaky")).find((r) => r.id === old.run?.id);
  const orphan = await d.json<{ details: { runId: number; wasAlive: boolean } }[]>(
    "GET",
    "/v1/events?type=process.orphan_stopped",
  );
  expect(await d.cli("down")).toMatchObject({ code: 0 });
  expect(await d.proc?.exited, `supervisor exit; stderr ${d.stderr.slice(-1000)}`).toBe(0);
  expect({
    outlived,
    openWhileStopping: old.run?.endedAt,
    recovered: [recovered?.reason, recovered?.endedAt !== null],
    orphan: orphan.map((e) => [e.details.runId, e.details.wasAlive]),
    left: d.pids(),
  }).toEqual({
    outlived: true,
    openWhileStopping: null,
    recovered: ["orphaned", true],
    orphan: [[old.run?.id as number, true]],
    left: [],
  });
}, 60_000);
