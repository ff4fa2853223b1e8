import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { waitFor } from "../clock.ts";
import { BenchDaemon, processToml } from "../daemon.ts";
import { isAlive, statusKb } from "../proc.ts";
import { fmt, fmtMs, summarize } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";
import { DIRS, FILES_PER_DIR, type Idle, idleCpu, makeTree, PATTERN } from "./watch-idle.ts";

// watch-daemon: the same tree and pattern, watched by the compiled `tend up` (ctx.bin) for one
// process, `ready-then-sleep.sh` with cwd = the tree, next to the same daemon config without the
// watch keys. Each daemon is measured once its process runs and it has settled: schedstat of its
// threads over the idle window (the "fs.watch" thread alone, target 0 ms; the whole daemon, no
// target), then VmRSS and RssAnon. With the watch, watch_debounce = "0ms": a write to one file,
// then the API polled until the process runs with a new pid (the poll's 2 ms interval is in the
// figure), DAEMON_CHANGES times, each after the previous restart's dust settled.

const SLEEPER = resolve(import.meta.dir, "../../../test/fixtures/ready-then-sleep.sh");
const DAEMON_SETTLE_MS = 1000;
const DAEMON_CHANGES = 10;
const POLL_MS = 2;
// After a restart, how long to wait for a second one (a write can reach inotify as two events,
// e.g. the truncate and the write, folded or not) before the next sample starts.
const QUIET_MS = 300;

interface DaemonRun {
  pid: number;
  upToRunningMs: number;
  idle: Idle;
  rssKb: number;
  rssAnonKb: number;
  // With the watch: write → new pid running; writes that restarted the process more than once.
  latencies: number[];
  extraRestarts: number;
}

async function sleeperRow(d: BenchDaemon): Promise<{ pid: number }> {
  const row = (await d.processes()).find((p) => p.name === "sleeper");
  if (!row) throw new Error(`no process "sleeper" in the API: ${d.upLog()}`);
  return { pid: row.state === "running" && row.pid !== null ? row.pid : 0 };
}

async function runDaemon(
  ctx: BenchContext,
  tree: string,
  watching: boolean,
  windowMs: number,
): Promise<DaemonRun> {
  const extra = [`cwd = ${JSON.stringify(tree)}`];
  if (watching) extra.push(`watch = ${JSON.stringify([PATTERN])}`, 'watch_debounce = "0ms"');
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(processToml("sleeper", [SLEEPER], extra));
  const label = watching ? "daemon with watch" : "daemon without watch";
  try {
    const t0 = performance.now();
    await d.start();
    await d.waitRunning(1, 60_000);
    const upToRunningMs = performance.now() - t0;
    const idle = await idleCpu(ctx, { pid: d.pid, label }, windowMs, DAEMON_SETTLE_MS);
    const kb = (field: string): number => {
      const v = statusKb(d.pid, field);
      if (v === null) throw new Error(`no ${field} in /proc/${d.pid}/status`);
      return v;
    };
    const rssKb = kb("VmRSS");
    const rssAnonKb = kb("RssAnon");
    ctx.log(
      `${label}: up → running ${fmt(upToRunningMs)} ms; VmRSS ${fmt(rssKb / 1024)} MiB, RssAnon ${fmt(rssAnonKb / 1024)} MiB`,
    );
    const latencies: number[] = [];
    let extraRestarts = 0;
    if (watching) {
      for (let i = 0; i < DAEMON_CHANGES; i++) {
        const before = await sleeperRow(d);
        if (!before.pid) throw new Error(`sleeper not running before change ${i}: ${d.upLog()}`);
        const file = join(tree, `d${(i * 37) % DIRS}`, `f${(i * 53) % FILES_PER_DIR}.ts`);
        const t = performance.now();
        writeFileSync(file, `export const daemon = ${i};\n`);
        const restarted = await waitFor(
          `sleeper restarted with a new pid after writing ${file}`,
          async () => {
            const now = await sleeperRow(d);
            return now.pid !== 0 && now.pid !== before.pid ? now : null;
          },
          10_000,
          POLL_MS,
        );
        latencies.push(performance.now() - t);
        await Bun.sleep(QUIET_MS);
        // A second restart from the same write (`restarts` is reset by a restart, so the pid
        // tells, not the count): the sleeper runs under yet another pid, or is between two.
        if ((await sleeperRow(d)).pid !== restarted.pid) extraRestarts++;
      }
    }
    return { pid: d.pid, upToRunningMs, idle, rssKb, rssAnonKb, latencies, extraRestarts };
  } finally {
    const pid = d.proc?.pid;
    for (const p of await d.stop()) ctx.problem(`watch-daemon (${label}): ${p}`);
    if (pid !== undefined && isAlive(pid))
      ctx.problem(`watch-daemon (${label}): daemon ${pid} still alive after stop`);
  }
}

async function measureDaemon(ctx: BenchContext): Promise<Row[]> {
  const windowMs = ctx.quick ? 2000 : 5000;
  const tree = mkdtempSync(join(ctx.tmpRoot, "tend-bench-watch-daemon-"));
  try {
    makeTree(tree);
    const base = await runDaemon(ctx, tree, false, windowMs);
    const w = await runDaemon(ctx, tree, true, windowMs);
    const fsWatch = w.idle.byThread.get("fs.watch");
    if (!fsWatch)
      throw new Error(`no "fs.watch" thread in the watching daemon: ${[...w.idle.byThread.keys()]}`);
    if (base.idle.byThread.has("fs.watch"))
      ctx.problem('watch-daemon: the daemon without watch has an "fs.watch" thread');
    const lat = summarize(w.latencies);
    if (!lat) throw new Error("no watch restart observed");
    ctx.log(`watch-daemon: write → new pid ${fmtMs(lat)}; ${w.extraRestarts} write(s) restarted it twice`);
    const files = DIRS * FILES_PER_DIR;
    const s = windowMs / 1000;
    const mib = (kb: number) => `${fmt(kb / 1024)} MiB`;
    return [
      {
        metric: `Daemon (tend up) watching ${files} files, "${PATTERN}": "fs.watch" thread CPU over ${s} s idle (schedstat)`,
        result: `${fmt(fsWatch.ms)} ms, ${fsWatch.runs} wake-ups`,
        target: "0 ms",
        met: fsWatch.ms === 0,
      },
      {
        metric: `Daemon CPU over the same ${s} s idle, one sleeper: with watch vs. without`,
        result: `${fmt(w.idle.totalMs)} ms with, ${fmt(base.idle.totalMs)} ms without`,
        target: "",
        met: null,
      },
      {
        metric: `Daemon RSS, one sleeper: with watch (${files} files) vs. without`,
        result: `VmRSS ${mib(w.rssKb)} vs. ${mib(base.rssKb)}; RssAnon ${mib(w.rssAnonKb)} vs. ${mib(base.rssAnonKb)}`,
        target: "",
        met: null,
      },
      {
        metric: `tend up → process running, with watch (${files} files) vs. without`,
        result: `${fmt(w.upToRunningMs)} ms vs. ${fmt(base.upToRunningMs)} ms`,
        target: "",
        met: null,
      },
      {
        metric: `File write → process restarted (new pid in the API, ${POLL_MS} ms poll), watch_debounce "0ms"`,
        result: `${fmtMs(lat)}, ${w.extraRestarts} write(s) of ${DAEMON_CHANGES} restarted it twice`,
        target: "",
        met: null,
      },
    ];
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

export const watchDaemon: Measurement = { id: "watch-daemon", run: measureDaemon };
