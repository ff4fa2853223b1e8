import { expect, test } from "bun:test";
import type { HeapStats } from "../../src/daemon/heap-keeper.ts";
import type { EventRecord, ProcessSnapshot, RunRecord } from "../../src/domain/types.ts";
import { TestDaemon } from "../helpers/daemon.ts";
import { openFds, rssKb, zombieChildrenOf } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

// 2000 restarts are measured after 1000 that warm the supervisor up: in those the JIT compiles
// the hot paths and the runtime's compiler code is paged in from the binary (3–5 MB of RSS once,
// seen in /proc/PID/smaps as the binary's text and the JIT's code region), which is not growth
// with restarts. From restart 200 instead, a loaded machine measured 5.2 MB.
const WARM_UP = 1000;
const MEASURED = 2000;
// RSS is a garbage collector's sawtooth (several MB peak to trough), so each end is measured as
// the lowest RSS over one whole tooth: from one collection of the heap keeper to the next
// (/v1/debug/heap counts them). The first tooth begins after restart WARM_UP, the second at
// least MEASURED restarts after the first began. A leak raises the troughs; the moment of a
// collection does not.
const RUN_RETENTION = 50;
const EVENT_RETENTION = 1000;

interface Sample {
  restarts: number;
  collections: number;
  rssKb: number;
  fds: number;
}

test("2000 zero-backoff restarts after a warm-up: flat RSS and fd count, bounded store", async () => {
  await using d = await new TestDaemon(
    `[processes.looper]\ncommand = ["/bin/true"]\nrestart = "always"\nbackoff = { initial = "0ms", max = "0ms", jitter = 0 }\n`,
    `run_retention = ${RUN_RETENTION}\nevent_retention = ${EVENT_RETENTION}`,
  ).start();
  const pid = d.proc?.pid as number;
  const samples: Sample[] = [];
  const t0 = performance.now();
  // The tooth that begins with the first collection after restart `from`: the collection count
  // its samples carry and the restart it began at; null until it has begun.
  const toothAfter = (from: number | undefined) => {
    const reached = from === undefined ? undefined : samples.find((s) => s.restarts >= from);
    const begun = reached && samples.find((s) => s.collections === reached.collections + 1);
    return begun ? { collections: begun.collections, restarts: begun.restarts } : null;
  };
  const teeth = () => {
    const warm = toothAfter(WARM_UP);
    return { warm, end: toothAfter(warm ? warm.restarts + MEASURED : undefined) };
  };
  await waitFor(
    `a tooth after restart ${WARM_UP} and one ${MEASURED} restarts later, each ended by a collection`,
    async () => {
      const p = await d.json<ProcessSnapshot>("GET", "/v1/processes/looper");
      const heap = await d.json<HeapStats>("GET", "/v1/debug/heap");
      samples.push({
        restarts: p.restarts,
        collections: heap.collections,
        rssKb: rssKb(pid),
        fds: openFds(pid).length,
      });
      const { end } = teeth();
      if (!end || heap.collections <= end.collections)
        throw new Error(
          `${p.restarts} restarts, ${heap.collections} collections, state ${p.state} (${p.reason})`,
        );
      return true;
    },
    { timeoutMs: 150_000, intervalMs: 20 },
  );
  const elapsedMs = Math.round(performance.now() - t0);
  expect(await d.cli("stop", "looper")).toMatchObject({ code: 0 });

  const tooth = (t: { collections: number } | null) =>
    samples.filter((s) => s.collections === t?.collections);
  const warm = tooth(teeth().warm);
  const end = tooth(teeth().end);
  expect(warm.length && end.length, `samples in both windows, saw ${samples.length}`).toBeGreaterThan(0);
  const lowest = (xs: Sample[]) => Math.min(...xs.map((s) => s.rssKb));
  // A live child's stdout and stderr pipes come and go with each run, so fds are compared as
  // floors too: a leak raises the floor.
  const fewestFds = (xs: Sample[]) => Math.min(...xs.map((s) => s.fds));
  const seen =
    `lowest RSS ${lowest(warm)} kB after restart ${warm[0]?.restarts}, ${lowest(end)} kB after ${end[0]?.restarts}; ` +
    `fewest fds ${fewestFds(warm)} then ${fewestFds(end)}; ${elapsedMs} ms`;
  expect(lowest(end) - lowest(warm), `RSS to grow by less than 5 MB; ${seen}`).toBeLessThan(5 * 1024);
  expect(
    Math.abs(fewestFds(end) - fewestFds(warm)),
    `fd count to end where it started (±2); ${seen}`,
  ).toBeLessThanOrEqual(2);

  const runs = await d.json<RunRecord[]>("GET", "/v1/processes/looper/history?runs=10000");
  expect(runs.length, `runs kept ≤ run_retention ${RUN_RETENTION}`).toBeLessThanOrEqual(RUN_RETENTION);
  const events = await d.json<EventRecord[]>("GET", "/v1/events?events=10000");
  // Events are pruned every 100 inserts, so up to 100 more than the retention may be present.
  expect(events.length, `events kept ≤ event_retention ${EVENT_RETENTION} + 100`).toBeLessThanOrEqual(
    EVENT_RETENTION + 100,
  );
  expect(zombieChildrenOf(pid), "no zombie left by the loop").toEqual([]);
  // What keeps the troughs flat: the heap keeper collected while the loop ran.
  const heap = await d.json<HeapStats>("GET", "/v1/debug/heap");
  expect(heap.collections, `heap keeper collections; ${JSON.stringify(heap)}`).toBeGreaterThan(0);
}, 170_000);
