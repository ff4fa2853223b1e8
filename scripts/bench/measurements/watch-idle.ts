import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../../../src/clock.ts";
import { FileWatcher } from "../../../src/watch/file-watcher.ts";
import { cpuMs, isAlive } from "../proc.ts";
import { fmt, fmtMs, summarize } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";

export const DIRS = 100;
export const FILES_PER_DIR = 100;
export const PATTERN = "**/*.ts";
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

export interface Idle {
  totalMs: number;
  // Per thread name (Bun's inotify reader is "fs.watch", the event loop "bun.exe"/"bun").
  byThread: Map<string, { ms: number; runs: number }>;
  // Threads that ended during the window (what they ran in it is in totalMs only).
  ended: string[];
}

// `total` counts the whole process (default: the schedstat sum of the threads alive at each end).
export async function idleCpu(
  ctx: BenchContext,
  target: { pid: number; label?: string },
  windowMs: number,
  settleMs = SETTLE_MS,
  total: (pid: number) => number | null = cpuMs,
): Promise<Idle> {
  const label = target.label ?? "watch child";
  await Bun.sleep(settleMs); // start-up work (JIT, GC of the walk's garbage) drains first
  const before = total(target.pid);
  const threadsBefore = threads(target.pid);
  await Bun.sleep(windowMs);
  const after = total(target.pid);
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
  const ended = [...threadsBefore].filter(([tid]) => !threadsAfter.has(tid)).map(([, t]) => t.comm);
  const detail = [...byThread].map(([name, t]) => `${name} ${fmt(t.ms)} ms/${t.runs}`).join(", ");
  const gone = ended.length ? `; ended in the window: ${ended.join(", ")}` : "";
  ctx.log(
    `${label} ${target.pid}: ${fmt(after - before)} ms CPU over ${windowMs / 1000} s idle (${detail}${gone})`,
  );
  return { totalMs: after - before, byThread, ended };
}

export function makeTree(root: string): void {
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
