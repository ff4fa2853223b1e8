import { readFileSync } from "node:fs";
import { BenchDaemon, idleProcessesToml } from "../daemon.ts";
import { fmt } from "../stats.ts";
import type { Measurement } from "../types.ts";
import { idleCpu as idleWindow } from "./watch-idle.ts";

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
      const idle = await idleWindow(
        ctx,
        { pid: d.pid, label: "supervisor" },
        windowS * 1000,
        SETTLE_MS,
        processCpuMs,
      );
      const ms = idle.totalMs;
      const threads = [...idle.byThread.values()];
      const wakes = threads.reduce((n, t) => n + t.runs, 0);
      const runMs = threads.reduce((n, t) => n + t.ms, 0);
      const woke = [...idle.byThread].filter(([, t]) => t.runs > 0).map(([name, t]) => `${name} ${t.runs}`);
      const endedNote = idle.ended.length ? `; ended in it: ${idle.ended.join(", ")}` : "";
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
