import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../clock.ts";
import { BenchDaemon, processToml } from "../daemon.ts";
import { fmt } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";

const PROCESSES = 500;
const WINDOW_S = 30;
const TARGET_CPU_PERCENT = 10; // a tenth of one core
const TARGET_P99_MS = 50;

interface ProbeLoad {
  processes: number;
  windowS: number;
  cpuPercent: number;
  checks: number;
  medianMs: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

interface ScheduleReport {
  checks: number;
  samples: number;
  medianMs: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

// One TCP listener serves every probe: it accepts and closes, so its cost stays out of tend's.
const LISTENER = `const port = Number(process.argv[2]);
Bun.listen({ hostname: "127.0.0.1", port, socket: { open(s) { s.end(); }, data() {} } });
console.log("listening", port);
`;

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

// 500 idle processes, each with a readiness probe connecting over TCP every second, all healthy;
// then 30 s of the supervisor's CPU time (utime + stime from /proc) and, from the supervisor's
// own counter (GET /v1/debug/probe-schedule), how late each check started against its plan.
// Both rows come from the same run; the first measurement to ask runs it.
let shared: Promise<ProbeLoad> | null = null;

function runProbeLoad(ctx: BenchContext): Promise<ProbeLoad> {
  shared ??= (async () => {
    const n = ctx.quick ? 100 : PROCESSES;
    const windowS = ctx.quick ? 10 : WINDOW_S;
    const port = freePort();
    const d = new BenchDaemon(ctx.bin, ctx.tmpRoot);
    const listener = join(d.dir, "listener.ts");
    writeFileSync(listener, LISTENER);
    const probe = `readiness = { type = "tcp", port = ${port}, interval = "1s", timeout = "1s" }`;
    const toml = [
      processToml("listener", [process.execPath, listener, String(port)]),
      ...Array.from({ length: n }, (_, i) => processToml(`probed-${i}`, ["sleep", "100000"], [probe])),
    ].join("\n");
    d.configure(toml);
    try {
      await d.start();
      await d.waitRunning(n + 1, 120_000);
      await waitFor(
        `${n} processes healthy`,
        async () => {
          const list = (await (await d.api("/v1/processes")).json()) as { health: string }[];
          const healthy = list.filter((p) => p.health === "healthy").length;
          if (healthy >= n + 1) return true;
          throw new Error(`${healthy}/${n + 1} healthy`);
        },
        60_000,
        200,
      );
      // Let start-up work (spawning, first checks) drain before the window opens.
      await Bun.sleep(2000);
      const cpuPercent = await d.cpuPercentOver(windowS * 1000);
      const res = await d.api(`/v1/debug/probe-schedule?window=${windowS}s`);
      const report = (await res.json()) as ScheduleReport;
      ctx.log(
        `probe load: ${n} processes, cpu ${fmt(cpuPercent)}% of one core over ${windowS}s; ` +
          `lateness median ${report.medianMs} ms, p99 ${report.p99Ms} ms, max ${report.maxMs} ms (${report.samples} checks)`,
      );
      return {
        processes: n,
        windowS,
        cpuPercent,
        checks: report.samples,
        medianMs: report.medianMs,
        p99Ms: report.p99Ms,
        maxMs: report.maxMs,
      };
    } finally {
      for (const p of await d.stop()) ctx.problem(`probe load: ${p}`);
    }
  })();
  return shared;
}

export const probeCpu: Measurement = {
  id: "probe-cpu",
  async run(ctx): Promise<Row[]> {
    const r = await runProbeLoad(ctx);
    return [
      {
        metric: `Supervisor CPU, ${r.processes} processes each with a 1 s TCP probe (${r.windowS} s, % of one core)`,
        result: `${fmt(r.cpuPercent)}%`,
        target: `< ${TARGET_CPU_PERCENT}%`,
        met: r.cpuPercent < TARGET_CPU_PERCENT,
      },
    ];
  },
};

export const probeLateness: Measurement = {
  id: "probe-lateness",
  async run(ctx): Promise<Row[]> {
    const r = await runProbeLoad(ctx);
    const ms = (x: number | null) => (x === null ? "—" : `${fmt(x)} ms`);
    return [
      {
        metric: `Probe schedule lateness (actual − planned start), ${r.processes} × 1 s TCP probes`,
        result: `${ms(r.medianMs)} median, ${ms(r.p99Ms)} p99, ${ms(r.maxMs)} max (n=${r.checks})`,
        target: `< ${TARGET_P99_MS} ms p99`,
        met: r.p99Ms !== null && r.p99Ms < TARGET_P99_MS,
      },
    ];
  },
};
