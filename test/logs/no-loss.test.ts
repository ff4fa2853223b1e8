import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { logFiles, logLines } from "./log-files.ts";

const LINES = 40_000; // per stream, ~2.5 MB each: ~40 rotations per stream at 64 KiB
const PAD = "x".repeat(50);
const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

const expected = (tag: string) =>
  Array.from({ length: LINES }, (_, i) => `${tag} ${String(i + 1).padStart(8, "0")} ${PAD}`);

// A child floods stdout and stderr at once; rotation at 64 KiB happens dozens of times per
// stream while it writes. Every line must be in the files exactly once, in order, none split.
async function flood(extra: string[]) {
  const d = await new TestDaemon(
    [
      "[processes.flood]",
      `command = ["${FIXTURES}/numbered-lines.sh", "${LINES}"]`,
      'restart = "never"',
      'log_max_size = "64KiB"',
      "log_keep = 1000",
      ...extra,
      "",
    ].join("\n"),
  ).start();
  const last = (tag: string) => `${tag} ${String(LINES).padStart(8, "0")} ${PAD}\n`;
  await waitFor(
    "both streams read to their last line",
    () => {
      for (const [s, tag] of [
        ["out", "out"],
        ["err", "err"],
      ] as const) {
        const text = readFileSync(join(d.logDir, `flood.${s}.log`), "utf8");
        if (!text.endsWith(last(tag)))
          throw new Error(`flood.${s}.log ends …${JSON.stringify(text.slice(-30))}`);
      }
      return true;
    },
    { timeoutMs: 15_000 },
  );
  await waitFor(
    "no file left waiting for gzip",
    () => !readdirSync(d.logDir).some((f) => f.includes("rotating")),
  );
  return d;
}

function streamLines(d: TestDaemon, base: string, stamped: boolean): string[] {
  const lines = logLines(d.logDir, base);
  if (!stamped) return lines;
  return lines.map((l) => {
    if (!STAMPED.test(l)) throw new Error(`line without timestamp in ${base}: ${l.slice(0, 80)}`);
    return l.slice(25);
  });
}

test("no loss: every line of a flood on both streams is in the rotated files once, in order", async () => {
  await using d = await flood([]);
  for (const [base, tag] of [
    ["flood.out.log", "out"],
    ["flood.err.log", "err"],
  ] as const) {
    expect(logFiles(d.logDir, base).length).toBeGreaterThan(20);
    // logLines throws if a file does not end with a newline: no line is split across files.
    const lines = streamLines(d, base, false);
    expect(lines.length).toBe(LINES);
    expect(lines).toEqual(expected(tag));
  }
  expect((await d.process("flood")).state).not.toBe("running");
}, 20_000);

test("no loss with log_compress: rotated files are gzipped and hold every line once", async () => {
  await using d = await flood(["log_compress = true"]);
  for (const [base, tag] of [
    ["flood.out.log", "out"],
    ["flood.err.log", "err"],
  ] as const) {
    const files = logFiles(d.logDir, base);
    expect(files.length).toBeGreaterThan(20);
    expect(files.slice(0, -1).every((f) => f.endsWith(".gz"))).toBe(true);
    expect(streamLines(d, base, false)).toEqual(expected(tag));
  }
}, 20_000);

test("no loss with log_timestamps: every line once, in order, each with its own timestamp", async () => {
  await using d = await flood(["log_timestamps = true"]);
  for (const [base, tag] of [
    ["flood.out.log", "out"],
    ["flood.err.log", "err"],
  ] as const) {
    expect(logFiles(d.logDir, base).length).toBeGreaterThan(20);
    expect(streamLines(d, base, true)).toEqual(expected(tag));
  }
}, 20_000);

for (const timestamps of [false, true])
  test(`no loss with log_merge${timestamps ? " and log_timestamps" : ""}: one file, each stream's lines once and in order, none torn`, async () => {
    await using d = await new TestDaemon(
      [
        "[processes.flood]",
        `command = ["${FIXTURES}/numbered-lines.sh", "${LINES}"]`,
        'restart = "never"',
        'log_max_size = "64KiB"',
        "log_keep = 1000",
        "log_merge = true",
        `log_timestamps = ${timestamps}`,
        "",
      ].join("\n"),
    ).start();
    const lines = await waitFor(
      "both streams' lines in flood.log…",
      () => {
        const all = streamLines(d, "flood.log", timestamps);
        if (all.length === 2 * LINES) return all;
        throw new Error(`${all.length} lines`);
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    // Lines are held until whole, so the two streams never tear each other's lines.
    expect(lines.filter((l) => l.startsWith("out "))).toEqual(expected("out"));
    expect(lines.filter((l) => l.startsWith("err "))).toEqual(expected("err"));
  }, 20_000);
