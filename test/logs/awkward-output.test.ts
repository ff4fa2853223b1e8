import { expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { daemonWith, outLines } from "./daemon-with.ts";

const PIECE = 64 * 1024; // log_line_max default
const BIG = 1_000_000;

test("a 1 MB line without newline, invalid UTF-8 and an exit mid-line are kept; other logs flow meanwhile", async () => {
  let go = "";
  await using d = await daemonWith((logDir) => {
    go = join(logDir, "..", "go");
    return [
      "[processes.awkward]",
      `command = ["${FIXTURES}/awkward-output.sh", "${go}"]`,
      'restart = "never"',
      "",
      "[processes.other]",
      `command = ["${FIXTURES}/burst-on-usr1.sh", "20"]`,
      "",
    ].join("\n");
  }).start();
  const out = join(d.logDir, "awkward.out.log");
  // Every whole piece of the open line is on disk while the line is still open…
  const whole = Math.floor(BIG / PIECE);
  await waitFor("the 1 MB line's whole pieces on disk", () => statSync(out).size >= whole * (PIECE + 1), {
    timeoutMs: 15_000,
  });
  expect((await d.process("awkward")).state).toBe("running");
  // …and another process's output is read and served meanwhile.
  const other = await d.waitState("other", "running");
  await waitFor("other's ready line", () => d.log("other").includes("ready"));
  process.kill(other.pid as number, "SIGUSR1");
  await waitFor("other's burst through tend logs", async () =>
    (await d.cli("logs", "-n", "1", "other")).stdout.includes(`burst ${other.pid} 1 done`),
  );

  writeFileSync(go, "");
  await waitFor("awkward to exit", async () => (await d.process("awkward")).state === "exited");
  const expected = Buffer.concat([
    ...Array.from({ length: whole }, () => Buffer.from(`${"a".repeat(PIECE)}\n`)),
    Buffer.from(`${"a".repeat(BIG - whole * PIECE)}\n`),
    Buffer.from([...Buffer.from("bad "), 0xff, 0xfe, 0x20, 0xc3, 0x28, ...Buffer.from(" end\n")]),
    Buffer.from("exit mid-line\n"),
  ]);
  await waitFor("the last line closed on disk", () => readFileSync(out).length === expected.length);
  expect(readFileSync(out).equals(expected)).toBe(true);

  // The ring (the last lines) and the files (more than the ring keeps) show the cut pieces.
  // (The CLI is asked for little: a CLI that exits with much output still queued for a slow
  // pipe loses the rest; the API answers for the whole megabyte.)
  const last3 = outLines((await d.cli("logs", "-n", "3", "awkward")).stdout);
  expect(last3).toEqual(["a".repeat(BIG - whole * PIECE), "bad \ufffd\ufffd \ufffd( end", "exit mid-line"]);
  const all = (await d.json<{ text: string }[]>("GET", "/v1/processes/awkward/logs?lines=100")).map(
    (l) => l.text,
  );
  expect(all.map((l) => (l.startsWith("a") ? l.length : l))).toEqual([
    ...Array(whole).fill(PIECE),
    BIG - whole * PIECE,
    "bad \ufffd\ufffd \ufffd( end",
    "exit mid-line",
  ]);
  expect(all.slice(0, -2).every((l) => /^a+$/.test(l))).toBe(true);
}, 30_000);

test("disk full: lines are dropped and counted, the child is not blocked, supervision goes on", async () => {
  const LINES = 20_000;
  await using d = await daemonWith(() =>
    [
      "[processes.full]",
      `command = ["${FIXTURES}/lines-then-exit.sh", "${LINES}"]`,
      'restart = "never"',
      "",
      "[processes.fine]",
      `command = ["${FIXTURES}/ready-then-sleep.sh"]`,
      "",
    ].join("\n"),
  );
  // Writes to /dev/full fail with ENOSPC, even for root.
  mkdirSync(d.logDir, { recursive: true });
  symlinkSync("/dev/full", join(d.logDir, "full.out.log"));
  await d.start();

  const exited = await d.waitState("full", "exited");
  expect(exited.pid).toBeNull();
  const dropped = await waitFor("logs.dropped events for every line", async () => {
    const events = await d.json<EventRecord[]>(
      "GET",
      "/v1/events?process=full&type=logs.dropped&events=1000",
    );
    const n = events.reduce((sum, e) => sum + ((e.details as { lines: number }).lines ?? 0), 0);
    if (n === LINES) return events;
    throw new Error(`${n} lines reported dropped so far`);
  });
  expect(dropped[0]?.reason).toBe("write_failed");
  // Memory still has the latest lines; another process logs as usual; the supervisor answers.
  expect(outLines((await d.cli("logs", "-n", "2", "full")).stdout)).toEqual([
    `line ${LINES - 1}`,
    `line ${LINES}`,
  ]);
  const fine = await d.waitState("fine", "running");
  await waitFor("fine's log", () => d.log("fine") === `ready ${fine.pid}\n`);
  expect((await d.cli("ps")).code).toBe(0);
}, 30_000);
