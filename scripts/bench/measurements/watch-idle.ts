import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { systemClock } from "../../../src/clock.ts";
import { FileWatcher } from "../../../src/watch/file-watcher.ts";
import { waitFor } from "../clock.ts";
import { BenchDaemon, processToml } from "../daemon.ts";
import { cpuMs, isAlive } from "../proc.ts";
import { fmt, fmtMs, summarize } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";

const DIRS = 100;
const FILES_PER_DIR = 100;
const PATTERN = "**/*.ts";
const SETTLE_MS = 500;
const CHANGES = 10;

// The watcher runs in a child `bun` (this file with --child), so its CPU time is its own:
// schedstat of the child's threads over an idle window. The target is Bun's inotify reader
// thread ("fs.watch"): 0 ms, never woken. The whole process is shown next to a child that watches
// nothing, without a target: Bun's runtime wakes a few times a second on its own (GC timers,
// mimalloc's scavenger), a few ms per 5 s either way, varying by a millisecond or two per run.
// The child prints `ready <startMs> <directories>`, then `change <file>` per onChange (debounce
// 0, the system clock), and closes the watcher and exits when its stdin ends.

class Lines {
  private readonly seen: { line: string; atMs: number }[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    void this.pump(stream);
  }

  private async pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of stream) {
      const atMs = performance.now();
      buf += decoder.decode(chunk, { stream: true });
      let nl = buf.indexOf("\n");
      while (nl !== -1) {
        this.seen.push({ line: buf.slice(0, nl), atMs });
        buf = buf.slice(nl + 1);
        nl = buf.indexOf("\n");
      }
      this.waiter?.();
    }
    this.ended = true;
    this.waiter?.();
  }

  // The next line starting with `prefix` (lines before it are dropped), and when it arrived.
  async next(prefix: string, timeoutMs: number): Promise<{ line: string; atMs: number }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.seen.findIndex((l) => l.line.startsWith(prefix));
      if (i !== -1) return this.seen.splice(0, i + 1).at(-1)!;
      if (this.ended) throw new Error(`watch child ended before printing "${prefix}…"`);
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`timed out after ${timeoutMs} ms waiting for "${prefix}…" from the child`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
  }
}

interface Child {
  pid: number;
  lines: Lines;
  stop(): Promise<string[]>;
}

function startChild(tree: string, watching: boolean): Child {
  const proc = Bun.spawn([process.execPath, import.meta.path, "--child", tree, watching ? "watch" : "idle"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr = new Response(proc.stderr).text();
  return {
    pid: proc.pid,
    lines: new Lines(proc.stdout),
    async stop() {
      const problems: string[] = [];
      proc.stdin.end();
      const exited = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => null)]);
      if (exited === null) {
        problems.push(`watch child ${proc.pid} still running 10 s after its stdin closed; killed`);
        proc.kill("SIGKILL");
        await proc.exited;
      } else if (exited !== 0) {
        problems.push(`watch child exited ${exited}: ${(await stderr).trim()}`);
      }
      const err = (await stderr).trim();
      if (exited === 0 && err) problems.push(`watch child stderr: ${err}`);
      return problems;
    },
  };
}

// Run time (ns) and timeslices of each thread, from /proc/PID/task/TID/schedstat.
function threads(pid: number): Map<string, { comm: string; ns: number; runs: number }> {
  const out = new Map<string, { comm: string; ns: number; runs: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [ns, , runs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").trim().split(" ");
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "latin1").trim();
      out.set(tid, { comm, ns: Number(ns), runs: Number(runs) });
    } catch {} // the thread ended between readdir and read: it ran no more in the window
  }
  return out;
}

interface Idle {
  totalMs: number;
  // Per thread name (Bun's inotify reader is "fs.watch", the event loop "bun.exe"/"bun").
  byThread: Map<string, { ms: number; runs: number }>;
}

async function idleCpu(
  ctx: BenchContext,
  target: { pid: number; label?: string },
  windowMs: number,
  settleMs = SETTLE_MS,
): Promise<Idle> {
  const label = target.label ?? "watch child";
  await Bun.sleep(settleMs); // start-up work (JIT, GC of the walk's garbage) drains first
  const before = cpuMs(target.pid);
  const threadsBefore = threads(target.pid);
  await Bun.sleep(windowMs);
  const after = cpuMs(target.pid);
  const threadsAfter = threads(target.pid);
  if (before === null || after === null || !isAlive(target.pid))
    throw new Error(`${label} ${target.pid} gone during the idle window`);
  const byThread = new Map<string, { ms: number; runs: number }>();
  for (const [tid, t] of threadsAfter) {
    const b = threadsBefore.get(tid);
    const sum = byThread.get(t.comm) ?? { ms: 0, runs: 0 };
    sum.ms += (t.ns - (b?.ns ?? 0)) / 1e6;
    sum.runs += t.runs - (b?.runs ?? 0);
    byThread.set(t.comm, sum);
  }
  const detail = [...byThread].map(([name, t]) => `${name} ${fmt(t.ms)} ms/${t.runs}`).join(", ");
  ctx.log(`${label} ${target.pid}: ${fmt(after - before)} ms CPU over ${windowMs / 1000} s idle (${detail})`);
  return { totalMs: after - before, byThread };
}

function makeTree(root: string): void {
  for (let d = 0; d < DIRS; d++) {
    const dir = join(root, `d${d}`);
    mkdirSync(dir);
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(dir, `f${f}.ts`), "export {};\n");
  }
}

async function measure(ctx: BenchContext): Promise<Row[]> {
  const windowMs = ctx.quick ? 2000 : 5000;
  const tree = mkdtempSync(join(ctx.tmpRoot, "tend-bench-watch-"));
  const children: Child[] = [];
  try {
    makeTree(tree);
    const baseline = startChild(tree, false);
    children.push(baseline);
    await baseline.lines.next("ready", 30_000);
    const base = await idleCpu(ctx, baseline, windowMs);

    const child = startChild(tree, true);
    children.push(child);
    const [, startMs, dirs] = (await child.lines.next("ready", 60_000)).line.split(" ");
    const idle = await idleCpu(ctx, child, windowMs);
    const fsWatch = idle.byThread.get("fs.watch");
    if (!fsWatch) throw new Error(`no "fs.watch" thread in the watch child: ${[...idle.byThread.keys()]}`);
    const loop = (i: Idle) => i.byThread.get("bun.exe") ?? i.byThread.get("bun") ?? { ms: 0, runs: 0 };

    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const file = join(`d${(i * 37) % DIRS}`, `f${(i * 53) % FILES_PER_DIR}.ts`);
      const t0 = performance.now();
      writeFileSync(join(tree, file), `export const v = ${i};\n`);
      // Lines for other files (a second onChange of an earlier write) are skipped.
      const { atMs } = await child.lines.next(`change ${file}`, 10_000);
      latencies.push(atMs - t0);
    }
    const lat = summarize(latencies)!;
    ctx.log(`watch: start ${startMs} ms for ${dirs} directories; change → onChange ${fmtMs(lat)}`);
    const files = DIRS * FILES_PER_DIR;
    return [
      {
        metric: `File watcher start, ${files} files in ${DIRS} dirs, "${PATTERN}" (walk + inotify watches)`,
        result: `${fmt(Number(startMs))} ms, ${dirs} directories watched`,
        target: "",
        met: null,
      },
      {
        metric: `File watcher idle CPU over ${windowMs / 1000} s, ${files} files: Bun's inotify thread (schedstat)`,
        result: `${fmt(fsWatch.ms)} ms, ${fsWatch.runs} wake-ups`,
        target: "0 ms",
        met: fsWatch.ms === 0,
      },
      {
        metric: `Whole watching process over the same ${windowMs / 1000} s (runtime's own timers; vs. a bun child without a watcher)`,
        result:
          `${fmt(idle.totalMs)} ms, event loop woken ${loop(idle).runs}× ` +
          `(without a watcher: ${fmt(base.totalMs)} ms, ${loop(base).runs}×)`,
        target: "",
        met: null,
      },
      {
        metric: "File change → onChange, debounce 0 (write to the child's line on stdout)",
        result: fmtMs(lat),
        target: "",
        met: null,
      },
    ];
  } finally {
    for (const c of children) for (const p of await c.stop()) ctx.problem(`watch-idle: ${p}`);
    rmSync(tree, { recursive: true, force: true });
  }
}

export const watchIdle: Measurement = { id: "watch-idle", run: measure };

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

function statusKb(pid: number, field: string): number {
  const m = readFileSync(`/proc/${pid}/status`, "latin1").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
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
    const rssKb = statusKb(d.pid, "VmRSS");
    const rssAnonKb = statusKb(d.pid, "RssAnon");
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

// The child: watch `tree` (or, with "idle", only wait) until stdin ends.
async function child(tree: string, watching: boolean): Promise<void> {
  let w: FileWatcher | null = null;
  if (watching) {
    const t0 = performance.now();
    w = new FileWatcher({
      cwd: tree,
      patterns: [PATTERN],
      ignore: [],
      debounceMs: 0,
      clock: systemClock,
      onChange: (file) => console.log(`change ${file}`),
      onProblem: (message) => console.error(message),
    });
    w.start();
    console.log(`ready ${(performance.now() - t0).toFixed(2)} ${w.directories}`);
  } else {
    console.log("ready 0 0");
  }
  for await (const _ of Bun.stdin.stream()) {
    // Nothing is sent; the loop ends when the parent closes stdin.
  }
  w?.close();
}

if (import.meta.main && process.argv[2] === "--child") {
  await child(process.argv[3]!, process.argv[4] === "watch");
}
