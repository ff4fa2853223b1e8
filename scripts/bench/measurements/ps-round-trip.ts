import { nowMs } from "../clock.ts";
import { BenchDaemon, processToml } from "../daemon.ts";
import { fmtMs, summarize } from "../stats.ts";
import type { Measurement } from "../types.ts";

const CHILDREN = 100;
const TARGET_MEDIAN_MS = 30;

// Wall time of each of `runs` runs of `argv`, start to exit; throws on a failed run.
async function timeRuns(argv: string[], env: Record<string, string>, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    const code = await Bun.spawn(argv, { env, stdio: ["ignore", "ignore", "ignore"] }).exited;
    out.push(nowMs() - t0);
    if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code} on run ${i + 1}`);
  }
  return out;
}

// Wall time of a whole `tend ps` process (exec, connect, request, format, exit) against a
// supervisor with 100 idle children: what an operator waits for at the prompt.
export const psRoundTrip: Measurement = {
  id: "ps-round-trip",
  async run(ctx) {
    const runs = ctx.quick ? 10 : 30;
    const toml = Array.from({ length: CHILDREN }, (_, i) =>
      processToml(`idle-${i}`, ["sleep", "100000"]),
    ).join("\n");
    const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(toml);
    const samples: number[] = [];
    const floor: number[] = [];
    try {
      await d.start();
      await d.waitRunning(CHILDREN);
      // One untimed run to warm the page cache for the 100 MB binary.
      const warm = await d.cli(["ps"]);
      if (warm.code !== 0) throw new Error(`tend ps exited ${warm.code}: ${warm.stderr.trim()}`);
      samples.push(...(await timeRuns([ctx.bin, "ps"], d.env, runs)));
      // The same for `tend --version`: the runtime's start and the client bundle, no request.
      floor.push(...(await timeRuns([ctx.bin, "--version"], d.env, runs)));
    } finally {
      for (const p of await d.stop()) ctx.problem(`ps round trip: ${p}`);
    }
    const s = summarize(samples)!;
    const f = summarize(floor)!;
    ctx.log(`tend ps: ${fmtMs(s)}; tend --version: ${fmtMs(f)}`);
    return [
      {
        metric: `\`tend ps\` round trip, ${CHILDREN} processes (whole CLI process)`,
        result: fmtMs(s),
        target: `< ${TARGET_MEDIAN_MS} ms median`,
        met: s.median < TARGET_MEDIAN_MS,
      },
      {
        metric: "`tend --version`, the same way (start-up alone: runtime and client bundle)",
        result: fmtMs(f),
        target: "—",
        met: null,
      },
    ];
  },
};
