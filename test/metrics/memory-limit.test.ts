import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { BUN, FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const MIB = 1024 * 1024;
const FIXTURE = join(FIXTURES, "allocate-in-grandchild.sh");

// VmRSS of one process, read the way an operator would check it.
function rssBytes(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "latin1").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) * 1024 : 0;
}

const toml = (extra = "") => `[processes.hog]
command = ["/bin/sh", "${FIXTURE}", "${BUN}", "200"]
backoff = { initial = "10ms", jitter = 0 }
${extra}
`;

describe("memory metrics over the process tree", () => {
  test("the RSS of a shell includes the grandchild that allocated 200 MB", async () => {
    await using d = await new TestDaemon(toml(), 'metrics_interval = "200ms"').start();
    const hog = await waitFor("hog to report 200 MiB", async () => {
      const p = await d.json<ProcessSnapshot>("GET", "/v1/processes/hog");
      if ((p.memory ?? 0) < 200 * MIB) throw new Error(`memory ${p.memory}`);
      return p;
    });
    const grandchild = d.processPids("hog").find((pid) => pid !== hog.pid);
    if (grandchild === undefined) throw new Error("no grandchild found");
    const leaderRss = rssBytes(hog.pid as number);
    const grandchildRss = rssBytes(grandchild);
    expect(grandchildRss).toBeGreaterThan(200 * MIB);
    expect(leaderRss).toBeLessThan(20 * MIB); // the shell alone is small: the bytes are the grandchild's
    // The sample and the reads are moments apart; the grandchild idles, so they agree closely.
    expect(Math.abs((hog.memory as number) - (leaderRss + grandchildRss))).toBeLessThan(16 * MIB);
    expect({ threads: (hog.threads ?? 0) > 1, fds: (hog.fds ?? 0) >= 3 }).toEqual({
      threads: true,
      fds: true,
    });
  });

  test('max_memory = "100MiB" restarts it with reason memory, through the backoff', async () => {
    await using d = await new TestDaemon(toml('max_memory = "100MiB"'), 'metrics_interval = "200ms"').start();
    const first = await d.waitState("hog", "running");
    const runs = await waitFor("a run ended with reason memory", async () => {
      const h = await d.history("hog");
      return h.some((r) => r.reason === "memory") ? h : null;
    });
    const ended = runs.find((r) => r.reason === "memory");
    expect(ended?.pid).toBe(first.pid as number);
    const events = await d.json<{ type: string; reason: string }[]>(
      "GET",
      "/v1/events?process=hog&events=1000",
    );
    // stopping (memory) → backoff (memory) → running again: the same path as a liveness failure.
    const memory = events.filter((e) => e.reason === "memory").map((e) => e.type);
    expect(memory).toContain("process.stopping");
    expect(memory).toContain("process.backoff");
    await waitFor("hog to run again with a new pid", async () => {
      const p = await d.json<ProcessSnapshot>("GET", "/v1/processes/hog");
      return p.pid !== null && p.pid !== first.pid && p.restarts >= 1;
    });
  });
});
