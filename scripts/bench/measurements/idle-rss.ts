import { BenchDaemon, idleProcessesToml } from "../daemon.ts";
import { rssKb, statusKb } from "../proc.ts";
import { fmt, summarize } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";

const TARGET_MB_AT_100 = 60;
const SAMPLES = 5;
const SAMPLE_EVERY_MS = 200;

// VmRSS of the `tend up` process alone (children excluded), once every child is running and the
// supervisor has settled: the resident cost of supervising N idle processes; with RssAnon (its
// heap and the engine's) and RssFile (pages of the binary) of the last sample.
async function rssWith(
  ctx: BenchContext,
  children: number,
): Promise<{ mb: number; anon: number; file: number }> {
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(idleProcessesToml(children));
  try {
    await d.start();
    await d.waitRunning(children);
    await Bun.sleep(ctx.quick ? 500 : 2000);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const kb = rssKb(d.pid);
      if (kb === null) throw new Error(`supervisor ${d.pid} gone while sampling: ${d.upLog()}`);
      samples.push(kb);
      await Bun.sleep(SAMPLE_EVERY_MS);
    }
    const anon = (statusKb(d.pid, "RssAnon") ?? 0) / 1024;
    const file = (statusKb(d.pid, "RssFile") ?? 0) / 1024;
    return { mb: summarize(samples)!.median / 1024, anon, file };
  } finally {
    for (const p of await d.stop()) ctx.problem(`idle RSS ${children}: ${p}`);
  }
}

export const idleRss: Measurement = {
  id: "idle-rss",
  async run(ctx) {
    const rows: Row[] = [];
    for (const n of [1, 100]) {
      const { mb, anon, file } = await rssWith(ctx, n);
      ctx.log(`supervisor RSS with ${n} ${n === 1 ? "child" : "children"}: ${fmt(mb)} MiB`);
      rows.push({
        metric: `Supervisor RSS (VmRSS; RssAnon, RssFile), ${n} idle ${n === 1 ? "child" : "children"}`,
        result: `${fmt(mb)} MiB (${fmt(anon)} anon, ${fmt(file)} file)`,
        target: n === 100 ? `< ${TARGET_MB_AT_100} MiB` : "",
        met: n === 100 ? mb < TARGET_MB_AT_100 : null,
      });
    }
    return rows;
  },
};
