import type { TestDaemon } from "./daemon.ts";

export interface CopiesReport {
  samples: number;
  maxRuns: number; // most runs of the process seen alive in one sample
  worst: Record<string, number[]>; // that sample: run id → live pids
}

// Samples the live runs of one process (by its environment markers) until stopped, to catch a
// moment with two copies alive. A sampler can miss a short overlap, never invent one.
export function watchCopies(d: TestDaemon, name: string): { stop(): Promise<CopiesReport> } {
  const report: CopiesReport = { samples: 0, maxRuns: 0, worst: {} };
  let done = false;
  const loop = (async () => {
    while (!done) {
      const runs = d.liveRuns(name);
      report.samples++;
      if (runs.size > report.maxRuns) {
        report.maxRuns = runs.size;
        report.worst = Object.fromEntries(runs);
      }
      await Bun.sleep(1);
    }
  })();
  return {
    async stop() {
      done = true;
      await loop;
      return report;
    },
  };
}
