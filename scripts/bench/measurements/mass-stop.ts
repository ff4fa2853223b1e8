import { BenchDaemon, idleProcessesToml } from "../daemon.ts";
import { pidsWithEnv } from "../proc.ts";
import { fmt } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";

// `tend down` with N idle children: from the command to the supervisor gone and no child of
// it left alive (what ../shared/bench-peers calls "Stop N").
export async function downMs(ctx: BenchContext, children: number, supervisorExtra = ""): Promise<number> {
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(idleProcessesToml(children), supervisorExtra);
  try {
    await d.start();
    await d.waitRunning(children);
    const t0 = performance.now();
    const down = await d.cli(["down"], 60_000);
    if (down.code !== 0) throw new Error(`tend down exited ${down.code}: ${down.stderr}`);
    while (pidsWithEnv(`TEND_BENCH_ID=${d.id}`).length > 0) await Bun.sleep(2);
    const ms = performance.now() - t0;
    await d.proc?.exited;
    return ms;
  } finally {
    for (const p of await d.stop()) ctx.problem(`mass stop ${children}: ${p}`);
  }
}

export const massStop: Measurement = {
  id: "mass-stop",
  async run(ctx) {
    const rows: Row[] = [];
    for (const n of ctx.quick ? [100] : [100, 500]) {
      const ms = await downMs(ctx, n);
      ctx.log(`tend down with ${n} children: ${fmt(ms)} ms`);
      rows.push({
        metric: `\`tend down\` with ${n} idle children: command → supervisor and every child gone`,
        result: `${fmt(ms)} ms`,
        target: "",
        met: null,
      });
    }
    return rows;
  },
};
