import { expect, test } from "bun:test";
import type { EventRecord, ProcessSnapshot, RunRecord } from "../../src/domain/types.ts";
import { TestDaemon } from "../helpers/daemon.ts";
import { openFds, rssKb, zombieChildrenOf } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

const WARM_UP = 200;
const TOTAL = 2000;
const RUN_RETENTION = 50;
const EVENT_RETENTION = 1000;

async function restartsReach(d: TestDaemon, n: number, timeoutMs: number): Promise<number> {
  const p = await waitFor(
    `${n} restarts of looper`,
    async () => {
      const p = await d.json<ProcessSnapshot>("GET", "/v1/processes/looper");
      if (p.restarts < n) throw new Error(`${p.restarts} restarts, state ${p.state} (${p.reason})`);
      return p;
    },
    { timeoutMs, intervalMs: 50 },
  );
  return p.restarts;
}

function measure(pid: number) {
  return { rssKb: rssKb(pid), fds: openFds(pid).length };
}

test("2000 zero-backoff restarts: flat RSS and fd count, bounded store", async () => {
  await using d = await new TestDaemon(
    `[processes.looper]\ncommand = ["/bin/true"]\nrestart = "always"\nbackoff = { initial = "0ms", max = "0ms", jitter = 0 }\n`,
    `run_retention = ${RUN_RETENTION}\nevent_retention = ${EVENT_RETENTION}`,
  ).start();
  const pid = d.proc?.pid as number;
  const t0 = performance.now();
  await restartsReach(d, WARM_UP, 30_000);
  const warm = measure(pid);
  const warmFds = openFds(pid);
  await restartsReach(d, TOTAL, 60_000);
  const end = measure(pid);
  const endFds = openFds(pid);
  const elapsedMs = Math.round(performance.now() - t0);
  expect(await d.cli("stop", "looper")).toMatchObject({ code: 0 });

  const seen = `warm-up ${JSON.stringify(warm)}, after ${TOTAL} restarts ${JSON.stringify(end)} (${elapsedMs} ms)`;
  expect(end.rssKb - warm.rssKb, `RSS to grow by less than 5 MB; ${seen}`).toBeLessThan(5 * 1024);
  expect(
    Math.abs(end.fds - warm.fds),
    `fd count to end where it started (±2); ${seen}; fds ${warmFds.join(",")} → ${endFds.join(",")}`,
  ).toBeLessThanOrEqual(2);

  const runs = await d.json<RunRecord[]>("GET", "/v1/processes/looper/history?lines=10000");
  expect(runs.length, `runs kept ≤ run_retention ${RUN_RETENTION}`).toBeLessThanOrEqual(RUN_RETENTION);
  const events = await d.json<EventRecord[]>("GET", "/v1/events?lines=10000");
  // Events are pruned every 100 inserts, so up to 100 more than the retention may be present.
  expect(events.length, `events kept ≤ event_retention ${EVENT_RETENTION} + 100`).toBeLessThanOrEqual(
    EVENT_RETENTION + 100,
  );
  expect(zombieChildrenOf(pid), "no zombie left by the loop").toEqual([]);
}, 90_000);
