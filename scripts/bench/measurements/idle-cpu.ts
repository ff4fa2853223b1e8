import { readFileSync } from "node:fs";
import { BenchDaemon, idleProcessesToml } from "../daemon.ts";
import { fmt } from "../stats.ts";
import type { Measurement } from "../types.ts";
import { threads } from "./watch-idle.ts";

const CHILDREN = 100;
const WINDOW_S = 30;
// As ../shared/bench-peers measures it: the window opens about 5 s after the reads that saw
// every child running (its 2 s settle and 2.5 s of memory samples), so a timer armed by start-up
// or by those reads and firing a few seconds later is inside it.
const SETTLE_MS = 5000;

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
// only while someone watches), no heap check and no pipe sweep (only a second after activity),
// no allocator thread. Two figures: the process's user+system time in the clock's 10 ms ticks
// (threads that ended included), and, per thread alive at both ends, timeslices run and run
// time from schedstat: how many times anything woke, at nanosecond resolution.
export const idleCpu: Measurement = {
  id: "idle-cpu",
  async run(ctx) {
    const windowS = ctx.quick ? 10 : WINDOW_S;
    const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(idleProcessesToml(CHILDREN));
    try {
      await d.start();
      await d.waitRunning(CHILDREN, 120_000);
      await Bun.sleep(SETTLE_MS);
      const before = processCpuMs(d.pid);
      const threadsBefore = threads(d.pid);
      await Bun.sleep(windowS * 1000);
      const after = processCpuMs(d.pid);
      const threadsAfter = threads(d.pid);
      if (before === null || after === null) throw new Error(`supervisor gone: ${d.upLog()}`);
      const ms = after - before;
      let runMs = 0;
      const woke: string[] = [];
      let wakes = 0;
      for (const [tid, t] of threadsAfter) {
        const b = threadsBefore.get(tid);
        const runs = t.runs - (b?.runs ?? 0);
        runMs += (t.ns - (b?.ns ?? 0)) / 1e6;
        wakes += runs;
        if (runs > 0) woke.push(`${t.comm} ${runs}`);
      }
      const ended = [...threadsBefore].filter(([tid]) => !threadsAfter.has(tid)).map(([, t]) => t.comm);
      const endedNote = ended.length ? `; ended in it: ${ended.join(", ")}` : "";
      ctx.log(
        `idle cpu: ${fmt(ms)} ms over ${windowS} s; ${wakes} timeslices (${woke.join(", ")})${endedNote}`,
      );
      return [
        {
          metric: `Supervisor CPU while idle, ${CHILDREN} idle children, default settings (${windowS} s, from ${SETTLE_MS / 1000} s after the last read)`,
          result: `${fmt(ms)} ms (10 ms ticks)`,
          target: "0 ms (nothing due)",
          met: ms === 0,
        },
        {
          metric: "  the same window per thread alive at both ends (schedstat): timeslices, run time",
          result: `${wakes}${woke.length ? ` (${woke.join(", ")})` : ""}, ${fmt(runMs)} ms${endedNote}`,
          target: "0",
          met: wakes === 0,
        },
      ];
    } finally {
      for (const p of await d.stop()) ctx.problem(`idle cpu: ${p}`);
    }
  },
};
