import { readFileSync } from "node:fs";
import { BenchDaemon, idleProcessesToml } from "../daemon.ts";
import { fmt } from "../stats.ts";
import type { Measurement } from "../types.ts";

const CHILDREN = 100;
const WINDOW_S = 30;

// User and system time of the whole process, threads that ended included (/proc/PID/stat, in
// clock ticks of 10 ms): the per-thread schedstat sum would lose the time of a thread that ended.
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

// The supervisor's CPU time while nothing is due: 100 idle children, default settings, nobody
// reading (no ps, no stream), outside systemd. Nothing should run: no metrics sampling (it runs
// only while someone watches), no heap check (only after activity).
export const idleCpu: Measurement = {
  id: "idle-cpu",
  async run(ctx) {
    const windowS = ctx.quick ? 10 : WINDOW_S;
    const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(idleProcessesToml(CHILDREN));
    try {
      await d.start();
      await d.waitRunning(CHILDREN, 120_000);
      // The start-up's own work (and the reads that saw it running) settles first.
      await Bun.sleep(20_000);
      const before = processCpuMs(d.pid);
      await Bun.sleep(windowS * 1000);
      const after = processCpuMs(d.pid);
      if (before === null || after === null) throw new Error(`supervisor gone: ${d.upLog()}`);
      const ms = after - before;
      ctx.log(`idle cpu: ${fmt(ms)} ms over ${windowS} s with ${CHILDREN} idle children`);
      return [
        {
          metric: `Supervisor CPU while idle, ${CHILDREN} idle children, default settings (${windowS} s)`,
          result: `${fmt(ms)} ms (10 ms resolution)`,
          target: "0 ms (nothing due)",
          met: ms === 0,
        },
      ];
    } finally {
      for (const p of await d.stop()) ctx.problem(`idle cpu: ${p}`);
    }
  },
};
