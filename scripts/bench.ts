#!/usr/bin/env bun
// Benchmarks of the compiled binary: `bun scripts/bench.ts [--bin dist/tend] [--quick]
// [--only ID,…] [--tmp DIR]`. Prints a markdown table of figures and targets on stdout,
// progress on stderr; exits 1 when a measurement failed or left something behind.
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BenchDaemon } from "./bench/daemon.ts";
import { MEASUREMENTS } from "./bench/registry.ts";
import { renderReport } from "./bench/report.ts";
import { runSoak } from "./bench/soak.ts";
import type { BenchContext, Row } from "./bench/types.ts";

const USAGE =
  "usage: bun scripts/bench.ts [--bin dist/tend] [--quick] [--only ID,…] [--tmp DIR] | bun scripts/bench.ts --soak";

function parse() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        bin: { type: "string", default: resolve(import.meta.dir, "../dist/tend") },
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        tmp: { type: "string", default: tmpdir() },
        soak: { type: "boolean", default: false },
      },
    }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n${USAGE}`);
    process.exit(2);
  }
}

const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

async function main(): Promise<number> {
  const opts = parse();
  if (opts.soak) return runSoak(log);
  const bin = resolve(opts.bin);
  const only = opts.only?.split(",").map((s) => s.trim());
  const selected = only ? MEASUREMENTS.filter((m) => only.includes(m.id)) : MEASUREMENTS;
  if (!selected.length) {
    console.error(
      `no measurement matches --only ${opts.only}; have: ${MEASUREMENTS.map((m) => m.id).join(", ")}`,
    );
    return 2;
  }
  const version = Bun.spawnSync([bin, "--version"], { stdio: ["ignore", "pipe", "pipe"] });
  if (version.exitCode !== 0) {
    console.error(`${bin} --version failed (exit ${version.exitCode}); run \`npm run build\` first`);
    return 1;
  }
  const problems: string[] = [];
  const ctx: BenchContext = {
    bin,
    quick: opts.quick,
    tmpRoot: resolve(opts.tmp),
    log,
    problem: (p) => {
      log(`problem: ${p}`);
      problems.push(p);
    },
  };
  const date = new Date();
  const loadAvg = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const rows: Row[] = [];
  for (const m of selected) {
    log(`${m.id}…`);
    try {
      rows.push(...(await m.run(ctx)));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.problem(`${m.id} failed: ${message}`);
      rows.push({ metric: m.id, result: "error (see Problems)", target: "", met: false });
    }
  }
  const report = renderReport(
    {
      command: ["bun", "scripts/bench.ts", ...process.argv.slice(2)].join(" "),
      date,
      bin,
      binVersion: version.stdout.toString().trim(),
      bunVersion: Bun.version,
      nproc: availableParallelism(),
      loadAvg,
      quick: opts.quick,
      wallS: (performance.now() - t0) / 1000,
    },
    rows,
    problems,
  );
  console.log(report);
  return problems.length ? 1 : 0;
}

// Ctrl-C mid-run: stop the supervisors this run started (and only those), then exit.
process.on("SIGINT", async () => {
  log("interrupted: stopping supervisors started by this run");
  await Promise.all([...BenchDaemon.live].map((d) => d.stop()));
  process.exit(130);
});

log(`${basename(import.meta.path)}: ${process.argv.slice(2).join(" ") || "(defaults)"}`);
process.exit(await main());
