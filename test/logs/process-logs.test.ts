import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DroppedLines } from "../../src/logs/dropped-lines.ts";
import { LogHub } from "../../src/logs/log-hub.ts";
import type { LogSettings } from "../../src/logs/process-logs.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";
import { chunkPipe, manualPipe, pipeOf } from "./log-files.ts";

const settings = (over: Partial<LogSettings> = {}): LogSettings => ({
  maxBytes: 0,
  keep: 5,
  compress: false,
  timestamps: false,
  merge: false,
  lineMaxBytes: 64 * 1024,
  ...over,
});

describe("ProcessLogs", () => {
  test("captures both streams to NAME.out.log and NAME.err.log; tail interleaves them as read", async () => {
    using dir = tempDir();
    const hub = new LogHub({ dir: dir.path, ringLines: 100 });
    const logs = hub.for("web", settings());
    const out = manualPipe();
    const err = manualPipe();
    const done = Promise.all([logs.capture("stdout", out.pipe), logs.capture("stderr", err.pipe)]);
    const steps: [typeof out, string][] = [
      [out, "o1\n"],
      [err, "e1\n"],
      [out, "o2\no3\n"],
      [err, "e2\n"],
    ];
    let read = 0;
    for (const [s, text] of steps) {
      s.push(text);
      read += text.split("\n").length - 1;
      await waitFor(`${read} lines read`, () => logs.tail(100).length === read);
    }
    out.end();
    err.end();
    await done;
    expect(hub.tail("web", 100).map((l) => `${l.stream} ${l.text}`)).toEqual([
      "stdout o1",
      "stderr e1",
      "stdout o2",
      "stdout o3",
      "stderr e2",
    ]);
    expect(hub.tail("web", 2, "stdout").map((l) => l.text)).toEqual(["o2", "o3"]);
    expect(readFileSync(join(dir.path, "web.out.log"), "utf8")).toBe("o1\no2\no3\n");
    expect(readFileSync(join(dir.path, "web.err.log"), "utf8")).toBe("e1\ne2\n");
    hub.close();
  });

  test("after a supervisor restart (empty ring) the files answer: rotated ones too, gzipped ones too", async () => {
    using dir = tempDir();
    const s = settings({ maxBytes: 20, compress: true });
    const first = new LogHub({ dir: dir.path, ringLines: 100 });
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    await first.for("db", s).capture("stdout", chunkPipe(lines.map((l) => `${l}\n`)));
    await first.for("db", s).capture("stderr", chunkPipe(["oops\n"]));
    await first.get("db")?.settled();
    first.close();
    expect(readdirSync(dir.path).some((f) => f.endsWith(".gz"))).toBe(true);

    const second = new LogHub({ dir: dir.path, ringLines: 100 });
    const logs = second.for("db", s);
    // Without timestamps the files cannot be interleaved: stdout's lines, then stderr's.
    expect(logs.tail(4).map((l) => l.text)).toEqual(["line 28", "line 29", "line 30", "oops"]);
    expect(logs.tail(3, "stdout").map((l) => l.text)).toEqual(["line 28", "line 29", "line 30"]);
    expect(logs.tail(12, "stdout").map((l) => l.text)).toEqual(lines.slice(-12));
    second.close();
  });

  test("asked for more than the ring holds: older lines from the files, then the ring's, none twice", async () => {
    using dir = tempDir();
    let now = Date.UTC(2030, 0, 1);
    for (const timestamps of [false, true]) {
      const sub = join(dir.path, String(timestamps));
      mkdirSync(sub);
      const hub = new LogHub({ dir: sub, ringLines: 4, now: () => (now += 1000) });
      const logs = hub.for("mix", settings({ timestamps }));
      const out = manualPipe();
      const err = manualPipe();
      const done = Promise.all([logs.capture("stdout", out.pipe), logs.capture("stderr", err.pipe)]);
      const order = ["o1", "o2", "e1", "o3", "o4", "o5", "e2", "o6"];
      for (const text of order) {
        (text.startsWith("o") ? out : err).push(`${text}\n`);
        const file = join(sub, `mix.${text.startsWith("o") ? "out" : "err"}.log`);
        await waitFor(`${text} read`, () => readFileSync(file, "utf8").endsWith(`${text}\n`));
      }
      out.end();
      err.end();
      await done;
      const got = logs.tail(8).map((l) => (timestamps ? l.text.replace(/^\S+ /, "") : l.text));
      // The ring's last 4 in write order; before them the files' older lines: merged by time when
      // lines carry timestamps, else stdout's then stderr's.
      expect(got).toEqual(timestamps ? order : ["o1", "o2", "o3", "e1", "o4", "o5", "e2", "o6"]);
      hub.close();
    }
  });

  test("a process not run since the supervisor started: its files answer", async () => {
    using dir = tempDir();
    const first = new LogHub({ dir: dir.path, ringLines: 100 });
    await first.for("old", settings()).capture("stdout", chunkPipe(["from before\n"]));
    await first.for("merged", settings({ merge: true })).capture("stderr", chunkPipe(["merged line\n"]));
    first.close();
    const second = new LogHub({ dir: dir.path, ringLines: 100 });
    expect(second.tail("old", 10).map((l) => l.text)).toEqual(["from before"]);
    expect(second.tail("merged", 10).map((l) => l.text)).toEqual(["merged line"]);
    expect(second.tail("never-ran", 10)).toEqual([]);
  });

  test("log_merge: one file NAME.log for both streams", async () => {
    using dir = tempDir();
    const hub = new LogHub({ dir: dir.path, ringLines: 100 });
    const logs = hub.for("m", settings({ merge: true }));
    await logs.capture("stdout", chunkPipe(["to out\n"]));
    await logs.capture("stderr", chunkPipe(["to err\n"]));
    hub.close();
    expect(readdirSync(dir.path)).toEqual(["m.log"]);
    expect(readFileSync(join(dir.path, "m.log"), "utf8")).toBe("to out\nto err\n");
  });

  test("a stream that breaks mid-line keeps what was read and closes the line", async () => {
    using dir = tempDir();
    const hub = new LogHub({ dir: dir.path, ringLines: 100 });
    let sent = false;
    const broken = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) c.error(new Error("EPIPE"));
        else c.enqueue(new TextEncoder().encode("whole\npart"));
        sent = true;
      },
    });
    await hub.for("b", settings()).capture("stdout", pipeOf(broken));
    hub.close();
    expect(readFileSync(join(dir.path, "b.out.log"), "utf8")).toBe("whole\npart\n");
  });

  test("clear empties the ring and the files", async () => {
    using dir = tempDir();
    const hub = new LogHub({ dir: dir.path, ringLines: 100 });
    const logs = hub.for("c", settings());
    await logs.capture("stdout", chunkPipe(["a\nb\n"]));
    logs.clear();
    expect(logs.tail(10)).toEqual([]);
    expect(readFileSync(join(dir.path, "c.out.log"), "utf8")).toBe("");
    hub.close();
  });
});

describe("the line stream", () => {
  test("follow delivers a process's lines (of one stream if asked) until unsubscribed", async () => {
    using dir = tempDir();
    const hub = new LogHub({ dir: dir.path, ringLines: 10 });
    const all: string[] = [];
    const errOnly: string[] = [];
    const stopAll = hub.follow("svc", (l) => all.push(`${l.process}/${l.stream}: ${l.text}`));
    hub.follow("svc", (l) => errOnly.push(l.text), "stderr");
    hub.follow("elsewhere", () => {
      throw new Error("another process's lines must not arrive here");
    });
    const logs = hub.for("svc", settings());
    await logs.capture("stdout", chunkPipe(["one\ntw", "o\n"]));
    await logs.capture("stderr", chunkPipe(["three\n"]));
    stopAll();
    await logs.capture("stdout", chunkPipe(["four\n"]));
    expect(all).toEqual(["svc/stdout: one", "svc/stdout: two", "svc/stderr: three"]);
    expect(errOnly).toEqual(["three"]);
    expect(hub.lines.hasSubscribers("svc")).toBe(true);
    hub.close();
  });

  test("a listener that throws is dropped; the others keep getting lines", () => {
    using dir = tempDir();
    const hub = new LogHub({ dir: dir.path, ringLines: 10 });
    const got: string[] = [];
    hub.follow("p", () => {
      throw new Error("broken listener");
    });
    hub.follow("p", (l) => got.push(l.text));
    hub.lines.publish({ process: "p", stream: "stdout", at: 0, text: "a" });
    hub.lines.publish({ process: "p", stream: "stdout", at: 0, text: "b" });
    expect(got).toEqual(["a", "b"]);
    hub.close();
  });
});

describe("DroppedLines", () => {
  test("counts per process, reported once per interval, not once per line", async () => {
    const reports: [string, number][] = [];
    const dropped = new DroppedLines((name, lines) => reports.push([name, lines]), 5);
    dropped.note("a", 3);
    dropped.note("b", 1);
    dropped.note("a", 2);
    await waitFor("a report", () => reports.length > 0);
    expect(reports).toEqual([
      ["a", 5],
      ["b", 1],
    ]);
  });
});
