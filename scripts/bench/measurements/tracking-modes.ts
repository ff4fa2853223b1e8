import { BenchDaemon, processToml } from "../daemon.ts";
import { fmt, fmtMs, summarize } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";
import { downMs } from "./mass-stop.ts";
import { restartSamples } from "./restart-latency.ts";

// What putting each run into its cgroup costs: the same figures with cgroups = "auto" (on a host
// where tend can use them) and with the fallback, rounds interleaved so that drift in the host's
// speed weighs on both. Target: per start, cgroup mode within 0.5 ms of the fallback's median.
const MODES = [
  { mode: "cgroup", extra: 'cgroups = "auto"' },
  { mode: "fallback", extra: 'cgroups = "off"' },
] as const;
const PER_START_MARGIN_MS = 0.5;

// `tend start --all` of N idle processes (autostart = false): command → all N running.
async function massStartMs(ctx: BenchContext, n: number, extra: string): Promise<number> {
  const toml = Array.from({ length: n }, (_, i) =>
    processToml(`idle-${i}`, ["sleep", "100000"], ["autostart = false"]),
  ).join("\n");
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(toml, extra);
  try {
    await d.start();
    await checkMode(d, extra);
    const t0 = performance.now();
    const started = await d.cli(["start", "--all"], 120_000);
    if (started.code !== 0) throw new Error(`tend start --all exited ${started.code}: ${started.stderr}`);
    for (;;) {
      const running = (await d.processes()).filter((p) => p.state === "running" && p.pid !== null).length;
      if (running >= n) break;
      if (performance.now() - t0 > 120_000) throw new Error(`${running}/${n} running after 120 s`);
      await Bun.sleep(2);
    }
    return performance.now() - t0;
  } finally {
    for (const p of await d.stop()) ctx.problem(`mass start ${n}: ${p}`);
  }
}

// A figure of "cgroup" mode must come from cgroup mode: the supervisor says which is in force.
async function checkMode(d: BenchDaemon, extra: string): Promise<void> {
  const info = (await (await d.api("/v1/health")).json()) as { tracking: string };
  const cgroups = info.tracking.startsWith("cgroups under");
  if (cgroups !== extra.includes("auto"))
    throw new Error(`expected ${extra}, the supervisor tracks by: ${info.tracking}`);
}

const median = (xs: number[]): number => summarize(xs)?.median ?? Number.NaN;

export const trackingModes: Measurement = {
  id: "tracking-modes",
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 3;
    const sizes = ctx.quick ? [100] : [100, 500];
    const restarts = ctx.quick ? 10 : 30;
    const restart = new Map<string, number[]>();
    const start = new Map<string, number[]>();
    const stop = new Map<string, number[]>();
    const add = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    for (let r = 0; r < rounds; r++) {
      for (const { mode, extra } of MODES) {
        const samples = await restartSamples(ctx, restarts, extra);
        for (const s of samples) add(restart, mode, s);
        for (const n of sizes) {
          add(start, `${mode}/${n}`, await massStartMs(ctx, n, extra));
          add(stop, `${mode}/${n}`, await downMs(ctx, n, extra));
        }
        ctx.log(`tracking modes: round ${r + 1}/${rounds}, ${mode} done`);
      }
    }
    const rows: Row[] = [];
    for (const { mode } of MODES) {
      const s = summarize(restart.get(mode) ?? []);
      rows.push({
        metric: `Restart latency, zero backoff, ${mode} mode`,
        result: s ? fmtMs(s) : "—",
        target: "",
        met: null,
      });
    }
    const restartDiff = median(restart.get("cgroup") ?? []) - median(restart.get("fallback") ?? []);
    rows.push({
      metric: "Restart latency: cgroup − fallback median",
      result: `${fmt(restartDiff)} ms`,
      target: `≤ ${PER_START_MARGIN_MS} ms`,
      met: restartDiff <= PER_START_MARGIN_MS,
    });
    for (const n of sizes) {
      const per = (mode: string) => median(start.get(`${mode}/${n}`) ?? []) / n;
      for (const { mode } of MODES) {
        const ms = median(start.get(`${mode}/${n}`) ?? []);
        rows.push({
          metric: `\`tend start --all\` of ${n} idle processes, ${mode} mode (median of ${rounds})`,
          result: `${fmt(ms)} ms (${fmt(ms / n)} ms a start)`,
          target: "",
          met: null,
        });
      }
      const diff = per("cgroup") - per("fallback");
      rows.push({
        metric: `Mass start ${n}, per start: cgroup − fallback`,
        result: `${fmt(diff)} ms`,
        target: `≤ ${PER_START_MARGIN_MS} ms`,
        met: diff <= PER_START_MARGIN_MS,
      });
      for (const { mode } of MODES)
        rows.push({
          metric: `\`tend down\` with ${n} idle children, ${mode} mode (median of ${rounds})`,
          result: `${fmt(median(stop.get(`${mode}/${n}`) ?? []))} ms`,
          target: "",
          met: null,
        });
    }
    return rows;
  },
};
