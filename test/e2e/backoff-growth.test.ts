import { expect, test } from "bun:test";
import type { EventRecord, RunRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const crasher = (backoff: string, maxRestarts: number) => `[processes.crasher]
command = ["${FIXTURES}/exit-with.sh", "1", "0.05"]
restart = "on-failure"
backoff = ${backoff}
max_restarts = ${maxRestarts}
`;

async function historyJson(d: TestDaemon): Promise<RunRecord[]> {
  const r = await d.cli("history", "crasher", "--json");
  if (r.code !== 0) throw new Error(`tend history exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as RunRecord[]).sort((a, b) => a.id - b.id);
}

// The delays the supervisor planned, from its backoff events (exact with jitter = 0).
async function plannedDelays(d: TestDaemon): Promise<number[]> {
  const events = await d.json<EventRecord[]>(
    "GET",
    "/v1/events?process=crasher&type=process.backoff&events=1000",
  );
  return events.map((e) => Number(e.details?.delayMs));
}

// Time from the end of one run to the start of the next: the backoff plus the supervisor's overhead.
// The planned delays come from the supervisor's own events; the gaps are only held to be at least
// those (a timer never fires early), since load can only lengthen them.
const idleGaps = (runs: RunRecord[]) =>
  runs.slice(1).map((r, i) => r.startedAt - ((runs[i] as RunRecord).endedAt ?? Number.NaN));
const startGaps = (runs: RunRecord[]) =>
  runs.slice(1).map((r, i) => r.startedAt - (runs[i] as RunRecord).startedAt);

test("backoff doubles from 100ms, then max_restarts = 3 fails the process after exactly 4 runs", async () => {
  await using d = await new TestDaemon(
    crasher(`{ initial = "100ms", factor = 2, max = "1s", jitter = 0 }`, 3),
  ).start();
  const failed = await d.waitState("crasher", "failed", 15_000);
  expect({ state: failed.state, reason: failed.reason, pid: failed.pid, restarts: failed.restarts }).toEqual({
    state: "failed",
    reason: "max_restarts",
    pid: null,
    restarts: 3,
  });

  // The last run crashed like the others; giving up is the process's reason, not the run's.
  const runs = await historyJson(d);
  expect(runs.map((r) => ({ exitCode: r.exitCode, reason: r.reason }))).toEqual([
    { exitCode: 1, reason: "crashed" },
    { exitCode: 1, reason: "crashed" },
    { exitCode: 1, reason: "crashed" },
    { exitCode: 1, reason: "crashed" },
  ]);
  expect(await plannedDelays(d)).toEqual([100, 200, 400]);

  const planned = [100, 200, 400];
  const starts = startGaps(runs);
  const idle = idleGaps(runs);
  const seen = `start gaps ${starts.join(",")} ms, end-to-start gaps ${idle.join(",")} ms`;
  planned.forEach((ms, i) => {
    expect(starts[i], `start gap ${i + 1} ≥ planned ${ms} ms; ${seen}`).toBeGreaterThanOrEqual(ms);
    expect(idle[i], `end-to-start gap ${i + 1} ≥ planned ${ms} ms; ${seen}`).toBeGreaterThanOrEqual(ms);
  });
}, 20_000);

test("backoff stops growing at max = 1s", async () => {
  // 100ms × 4^n: 100, 400, then 1600 and 6400 capped to 1000.
  await using d = await new TestDaemon(
    crasher(`{ initial = "100ms", factor = 4, max = "1s", jitter = 0 }`, 0),
  ).start();
  const runs = await waitFor(
    "5 runs of crasher (4 backoff gaps)",
    async () => {
      const runs = await historyJson(d);
      if (runs.length < 5) throw new Error(`${runs.length} runs`);
      return runs.slice(0, 5);
    },
    { timeoutMs: 15_000 },
  );
  expect(await d.cli("stop", "crasher")).toMatchObject({ code: 0 });
  expect((await plannedDelays(d)).slice(0, 4)).toEqual([100, 400, 1000, 1000]);

  const idle = idleGaps(runs);
  const seen = `end-to-start gaps ${idle.join(",")} ms`;
  [100, 400, 1000, 1000].forEach((ms, i) => {
    expect(idle[i], `gap ${i + 1} ≥ planned ${ms} ms; ${seen}`).toBeGreaterThanOrEqual(ms);
  });
}, 20_000);
