import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../clock.ts";
import { BenchDaemon, processToml } from "../daemon.ts";
import { fmtMs, summarize } from "../stats.ts";
import type { BenchContext, Measurement } from "../types.ts";

const LIFETIME_MS = 200;
const TARGET_MEDIAN_MS = 10;

interface Mark {
  tag: string;
  atMs: number;
  pid: number;
}

function readMarks(path: string): Mark[] {
  const marks: Mark[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [tag, at, pid] = line.trim().split(/\s+/);
    if (tag && at && pid) marks.push({ tag, atMs: Number(at) * 1000, pid: Number(pid) });
  }
  return marks;
}

// Child exit → next child running, measured as ../shared/bench-peers does: the child stamps
// `S <$EPOCHREALTIME> <pid>`, lives 200 ms, stamps `E …` and exits 1; latency = next S − previous E.
// It includes the new child's own bash start (~1 ms), like every column there.
// The restart latencies seen in one supervisor (with `supervisorExtra` in its [supervisor]).
export async function restartSamples(
  ctx: BenchContext,
  restarts: number,
  supervisorExtra = "",
): Promise<number[]> {
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot);
  const stamps = join(d.dir, "stamps");
  const script = join(d.dir, "crash.sh");
  writeFileSync(stamps, "");
  writeFileSync(
    script,
    `#!/bin/bash\necho "S $EPOCHREALTIME $$" >> ${stamps}\nsleep ${LIFETIME_MS / 1000}\necho "E $EPOCHREALTIME $$" >> ${stamps}\nexit 1\n`,
  );
  chmodSync(script, 0o755);
  d.configure(
    processToml(
      "crash",
      [script],
      ['restart = "always"', 'backoff = { initial = "0ms", max = "0ms", jitter = 0 }'],
    ),
    supervisorExtra,
  );
  let marks: Mark[] = [];
  try {
    await d.start();
    const budgetMs = restarts * (LIFETIME_MS + 300) + 10_000;
    await waitFor(
      `${restarts + 1} starts of the crashing child`,
      () => {
        const starts = readMarks(stamps).filter((m) => m.tag === "S").length;
        if (starts > restarts) return true;
        throw new Error(`${starts} starts`);
      },
      budgetMs,
      50,
    );
  } finally {
    marks = readMarks(stamps);
    for (const p of await d.stop()) ctx.problem(`restart latency: ${p}`);
  }
  const samples: number[] = [];
  for (let i = 0; i + 1 < marks.length; i++) {
    const [end, next] = [marks[i]!, marks[i + 1]!];
    if (end.tag === "E" && next.tag === "S" && next.pid !== end.pid) samples.push(next.atMs - end.atMs);
  }
  return samples.slice(0, restarts);
}

export const restartLatency: Measurement = {
  id: "restart-latency",
  async run(ctx) {
    const s = summarize(await restartSamples(ctx, ctx.quick ? 10 : 50));
    if (!s) throw new Error("no restart observed");
    ctx.log(`restart latency: ${fmtMs(s)}`);
    return [
      {
        metric: `Restart latency, zero backoff (child exit → next child running, ${LIFETIME_MS} ms child)`,
        result: fmtMs(s),
        target: `< ${TARGET_MEDIAN_MS} ms median`,
        met: s.median < TARGET_MEDIAN_MS,
      },
    ];
  },
};
