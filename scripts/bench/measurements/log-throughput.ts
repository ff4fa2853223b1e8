import { chmodSync, closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { nowMs, waitFor } from "../clock.ts";
import { BenchDaemon, processToml } from "../daemon.ts";
import { cpuMs } from "../proc.ts";
import { fmt, summarize } from "../stats.ts";
import type { BenchContext, Measurement, Row } from "../types.ts";

const BYTES = 200_000_000;
const LINE = `${"x".repeat(99)}\n`; // what `yes <99 x>` writes: 100-byte lines
const MAX_SIZE = "5MiB";
const KEEP = 60; // 200 MB / 5 MiB = 38 rotated files: keep them all, so every byte can be checked
const TARGET_RATIO = 1.5;

interface Run {
  writerMs: number; // child start → child done writing
  diskMs: number; // child start → every byte in the log files
  cpuMs: number | null; // the supervisor's CPU time over the run
}

// The child of ../shared/bench-peers' log test: stamps its start and end, writes 200 MB of
// 100-byte lines to stdout as fast as coreutils can, then exits.
function writeChild(dir: string, marks: string): string {
  const script = join(dir, "writer.sh");
  writeFileSync(
    script,
    `#!/bin/bash\necho "S $EPOCHREALTIME" >> ${marks}\nyes ${"x".repeat(99)} | head -c ${BYTES}\necho "E $EPOCHREALTIME" >> ${marks}\n`,
  );
  chmodSync(script, 0o755);
  return script;
}

function marksOf(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [tag, at] = line.split(" ");
    if (tag && at) out[tag] = Number(at) * 1000;
  }
  return out;
}

// The stdout log of `writer`: NAME.out.log and its rotated NAME.out.log.N.
function logFiles(logDir: string): string[] {
  try {
    return readdirSync(logDir)
      .filter((f) => f === "writer.out.log" || /^writer\.out\.log\.\d+$/.test(f))
      .map((f) => join(logDir, f));
  } catch {
    return [];
  }
}

function bytesLogged(logDir: string): number {
  let total = 0;
  for (const f of logFiles(logDir)) {
    try {
      total += statSync(f).size;
    } catch {} // rotated away between readdir and stat: counted under its new name next poll
  }
  return total;
}

// Every byte accounted for: sizes sum to BYTES, and each file is whole 100-byte lines of the
// writer's exact content (no line lost, duplicated or split across a rotation). Returns the
// number of files and lines, or throws saying what is wrong.
function verify(logDir: string): { files: number; lines: number } {
  const files = logFiles(logDir);
  let lines = 0;
  let pattern = Buffer.alloc(0);
  for (const f of files) {
    const buf = readFileSync(f);
    if (buf.length % LINE.length !== 0) throw new Error(`${f}: ${buf.length} bytes is not whole lines`);
    if (pattern.length < buf.length) pattern = Buffer.from(LINE.repeat(buf.length / LINE.length));
    if (!buf.equals(pattern.subarray(0, buf.length)))
      throw new Error(`${f}: content differs from the writer's`);
    lines += buf.length / LINE.length;
  }
  if (lines * LINE.length !== BYTES)
    throw new Error(
      `log files hold ${lines * LINE.length} bytes in ${files.length} files, expected ${BYTES}`,
    );
  return { files: files.length, lines };
}

// Writes the last run's 200 MB out to the disk before the next run starts: the kernel's writeback
// of it would otherwise take CPU from whichever run comes next.
function settle(): void {
  Bun.spawnSync(["sync"]);
}

const STAMP_BYTES = "2030-01-01T00:00:00.000Z ".length;

async function underTend(ctx: BenchContext, check: boolean, timestamps = false): Promise<Run> {
  settle();
  // With timestamps every line grows by its prefix.
  const expected = timestamps ? BYTES + (BYTES / LINE.length) * STAMP_BYTES : BYTES;
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot);
  const marks = join(d.dir, "marks");
  writeFileSync(marks, "");
  const logDir = join(d.dir, "logs");
  d.configure(
    processToml(
      "writer",
      [writeChild(d.dir, marks)],
      [
        'restart = "never"',
        `log_max_size = "${MAX_SIZE}"`,
        `log_keep = ${timestamps ? KEEP * 2 : KEEP}`,
        `log_timestamps = ${timestamps}`,
      ],
    ),
  );
  try {
    await d.start();
    const cpu0 = cpuMs(d.pid);
    await waitFor("the writer to start", () => marksOf(marks).S, 30_000, 2);
    await waitFor(
      `${expected} bytes in ${logDir}`,
      () => {
        const n = bytesLogged(logDir);
        if (n >= expected) return true;
        throw new Error(`${n} bytes`);
      },
      120_000,
      5,
    );
    const diskAt = nowMs();
    const m = await waitFor(
      "the writer's end stamp",
      () => (marksOf(marks).E ? marksOf(marks) : null),
      30_000,
      5,
    );
    const cpu1 = cpuMs(d.pid); // the supervisor is idle once the bytes are on disk
    const S = m.S as number;
    if (check) {
      const v = verify(logDir);
      ctx.log(`log throughput: verified ${v.lines} lines in ${v.files} files (${BYTES} bytes)`);
    }
    return {
      writerMs: (m.E as number) - S,
      diskMs: diskAt - S,
      cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    };
  } finally {
    for (const p of await d.stop()) ctx.problem(`log throughput: ${p}`);
  }
}

const FLOOR_SCRIPT = join(dirname(import.meta.dir), "pipe-floor.py");

// The same child without tend: its stdout straight to a file or, given `floor`, through a pipe
// that scripts/bench/pipe-floor.py copies to the file and nothing else, with the child in the
// reader's session or (ownSession) in one of its own, as under tend. Child start → every byte in
// the file, which is when the process spawned here exits.
interface Floor {
  python: string;
  ownSession: boolean;
}

async function alone(ctx: BenchContext, floor?: Floor): Promise<number> {
  settle();
  const d = new BenchDaemon(ctx.bin, ctx.tmpRoot); // only for its temp dir and cleanup
  const marks = join(d.dir, "marks");
  writeFileSync(marks, "");
  const file = join(d.dir, "out.log");
  const child = writeChild(d.dir, marks);
  const out = floor ? "ignore" : openSync(file, "w");
  try {
    const argv = floor
      ? [floor.python, FLOOR_SCRIPT, ...(floor.ownSession ? ["--setsid"] : []), file, child]
      : [child];
    const p = Bun.spawn(argv, { stdio: ["ignore", out, "inherit"], env: d.env });
    if ((await p.exited) !== 0) throw new Error(`${argv.join(" ")} exited ${p.exitCode}`);
    const doneAt = nowMs();
    const size = statSync(file).size;
    if (size !== BYTES) throw new Error(`${argv.join(" ")}: ${file} holds ${size} bytes, expected ${BYTES}`);
    return doneAt - (marksOf(marks).S as number);
  } finally {
    if (typeof out === "number") closeSync(out);
    await d.stop();
  }
}

// ../shared/bench-peers row 5 as a ratio: a child writing 200 MB to stdout under tend (default
// capture, log_max_size 5MiB) against the same child writing straight to a file. Runs alternate
// so load on the host weighs on both alike.
export const logThroughput: Measurement = {
  id: "log-throughput",
  async run(ctx) {
    const reps = ctx.quick ? 1 : 3;
    const runs: Run[] = [];
    const directMs: number[] = [];
    const floorMs: number[] = [];
    const floorOwnSessionMs: number[] = [];
    const python = Bun.which("python3"); // for the pipe floor
    for (let i = 0; i < reps; i++) {
      directMs.push(await alone(ctx));
      if (python) {
        floorMs.push(await alone(ctx, { python, ownSession: false }));
        floorOwnSessionMs.push(await alone(ctx, { python, ownSession: true }));
      }
      runs.push(await underTend(ctx, i === reps - 1));
      const r = runs[i]!;
      const floors = python
        ? `${fmt(floorMs[i]!)} ms, child in its own session ${fmt(floorOwnSessionMs[i]!)} ms`
        : "(no python3)";
      ctx.log(
        `log throughput #${i + 1}: direct ${fmt(directMs[i]!)} ms; pipe floor ${floors}; tend: writer ${fmt(r.writerMs)} ms, all on disk ${fmt(r.diskMs)} ms, CPU ${r.cpuMs === null ? "?" : fmt(r.cpuMs)} ms`,
      );
    }
    const base = summarize(directMs)!.median;
    const disk = summarize(runs.map((r) => r.diskMs))!.median;
    const writer = summarize(runs.map((r) => r.writerMs))!.median;
    const cpu = summarize(runs.flatMap((r) => (r.cpuMs === null ? [] : [r.cpuMs])));
    const floor = summarize(floorMs)?.median;
    const floorOwnSession = summarize(floorOwnSessionMs)?.median;
    const where = `${BYTES / 1e6} MB of 100-byte lines, log_max_size ${MAX_SIZE}, scratch ${ctx.tmpRoot}, median of ${reps}`;
    // The line-by-line path: every line gets a timestamp prefix, as with a subscriber.
    const stamped: Run[] = [];
    for (let i = 0; i < reps; i++) stamped.push(await underTend(ctx, false, true));
    const stampedDisk = summarize(stamped.map((r) => r.diskMs))!.median;
    ctx.log(`log throughput with timestamps: ${stamped.map((r) => fmt(r.diskMs)).join(", ")} ms`);
    const floorRow = (what: string, ms: number | undefined): Row => ({
      metric: `${what}, ratio to direct; tend's ratio to it`,
      result:
        ms === undefined
          ? "not measured (no python3)"
          : `${fmt(ms / base)}× (${fmt(ms)} ms); tend ${fmt(disk / ms)}×`,
      target: "",
      met: null,
    });
    const rows: Row[] = [
      {
        metric: `Log throughput: child start → every byte in the log files, ratio to the child writing to a file (${where})`,
        result: `${fmt(disk / base)}× (${fmt(disk)} ms vs ${fmt(base)} ms; ${fmt(BYTES / 1e3 / disk)} MB/s)`,
        target: `≤ ${TARGET_RATIO}×`,
        met: disk / base <= TARGET_RATIO,
      },
      {
        metric: "Log throughput: the child's own run time under tend (back-pressure), ratio to direct",
        result: `${fmt(writer / base)}× (${fmt(writer)} ms)${cpu ? `; supervisor CPU ${fmt(cpu.median)} ms` : ""}`,
        target: "",
        met: null,
      },
      floorRow(
        "Pipe floor: the child under scripts/bench/pipe-floor.py (copies the pipe to a file, nothing else)",
        floor,
      ),
      floorRow(
        "Pipe floor with the child in a session of its own, as tend starts children (`pipe-floor.py --setsid`)",
        floorOwnSession,
      ),
      {
        metric: "Log throughput with log_timestamps (every line cut and prefixed), ratio to direct",
        result: `${fmt(stampedDisk / base)}× (${fmt(stampedDisk)} ms)`,
        target: "",
        met: null,
      },
    ];
    return rows;
  },
};
