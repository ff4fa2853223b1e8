import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { daemonWith, outLines } from "./daemon-with.ts";

const PAIRS = 40;

// Each line is read by the supervisor before the next is written, so the write order is known.
const alternating = (logDir: string) =>
  [
    "[processes.alt]",
    `command = ["${FIXTURES}/alternate-streams.sh", "${PAIRS}", "${logDir}/alt.out.log", "${logDir}/alt.err.log"]`,
    "",
    "[processes.other]",
    `command = ["${FIXTURES}/ready-then-sleep.sh"]`,
    "",
  ].join("\n");

const written = [...Array.from({ length: PAIRS }, (_, i) => [`out ${i + 1}`, `err ${i + 1}`]).flat(), "done"];

test("tend logs -n 50 interleaves stdout and stderr in the order written; --stdout, --stderr, --json, several names", async () => {
  await using d = await daemonWith(alternating).start();
  await waitFor("alt to print done", () => d.log("alt").endsWith("done\n"), { timeoutMs: 20_000 });

  const last50 = await d.cli("logs", "-n", "50", "alt");
  expect({ code: last50.code, lines: outLines(last50.stdout) }).toEqual({
    code: 0,
    lines: written.slice(-50),
  });

  const out = await d.cli("logs", "-n", "3", "--stdout", "alt");
  const err = await d.cli("logs", "-n", "3", "--stderr", "alt");
  expect([outLines(out.stdout), outLines(err.stdout)]).toEqual([
    [`out ${PAIRS - 1}`, `out ${PAIRS}`, "done"],
    [`err ${PAIRS - 2}`, `err ${PAIRS - 1}`, `err ${PAIRS}`],
  ]);

  const json = await d.cli("logs", "-n", "2", "--json", "alt");
  expect(outLines(json.stdout).map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
    { process: "alt", stream: "stderr", at: expect.any(Number), text: `err ${PAIRS}` },
    { process: "alt", stream: "stdout", at: expect.any(Number), text: "done" },
  ]);

  // Several names: each line prefixed with its process, names padded to one width.
  const other = await d.waitState("other", "running");
  await waitFor("other's ready line", () => d.log("other").includes("ready"));
  const both = await d.cli("logs", "-n", "1", "alt", "other");
  expect(outLines(both.stdout).sort()).toEqual(["alt   | done", `other | ready ${other.pid}`]);
}, 30_000);

test("a manual restart appends to the log; tend logs --clear empties it and rotated files on purpose", async () => {
  await using d = await daemonWith(() =>
    [
      "[processes.app]",
      `command = ["${FIXTURES}/ready-then-sleep.sh"]`,
      "",
      "[processes.noisy]",
      `command = ["${FIXTURES}/lines-then-exit.sh", "2000"]`,
      'restart = "never"',
      'log_max_size = "4KiB"',
      "log_keep = 3",
      "",
    ].join("\n"),
  ).start();
  const first = await d.waitState("app", "running");
  await waitFor("app's first ready line", () => d.log("app") === `ready ${first.pid}\n`);
  expect((await d.cli("restart", "app")).code).toBe(0);
  const second = await waitFor("app to run again", async () => {
    const p = await d.process("app");
    return p.state === "running" && p.pid !== first.pid ? p : null;
  });
  await waitFor(
    "both runs in app.out.log",
    () => d.log("app") === `ready ${first.pid}\nready ${second.pid}\n`,
  );
  expect(outLines((await d.cli("logs", "app")).stdout)).toEqual([
    `ready ${first.pid}`,
    `ready ${second.pid}`,
  ]);

  await waitFor("noisy's last line", () => d.log("noisy").endsWith("line 2000\n"));
  const files = () =>
    readdirSync(d.logDir)
      .filter((f) => f.startsWith("noisy."))
      .sort();
  expect(files()).toEqual(["noisy.out.log", "noisy.out.log.1", "noisy.out.log.2", "noisy.out.log.3"]);
  const cleared = await d.cli("logs", "--clear", "noisy");
  expect(cleared).toEqual({ code: 0, stdout: "cleared: noisy\n", stderr: "" });
  expect(files()).toEqual(["noisy.err.log", "noisy.out.log"]);
  expect(readFileSync(join(d.logDir, "noisy.out.log"), "utf8")).toBe("");
  expect((await d.cli("logs", "noisy")).stdout).toBe("");
  // Logging goes on after a clear.
  expect((await d.cli("start", "noisy")).code).toBe(0);
  await waitFor("noisy's output again", () => d.log("noisy").endsWith("line 2000\n"));
  expect(outLines((await d.cli("logs", "-n", "2", "noisy")).stdout)).toEqual(["line 1999", "line 2000"]);
}, 30_000);
