import { describe, expect, test } from "bun:test";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { LineStream, type LogLine } from "../../src/logs/line-stream.ts";
import { RingBuffer } from "../../src/logs/ring-buffer.ts";
import { RotatingFile } from "../../src/logs/rotating-file.ts";
import { type CaptureOptions, StreamCapture } from "../../src/logs/stream-capture.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";
import { bytes } from "./log-files.ts";

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const STAMP = "2030-01-01T12:00:00.000Z ";

// A ring that also records which door each entry came in by: raw chunks (the fast path) or
// decoded lines.
class RecordingRing extends RingBuffer {
  raw: Uint8Array[] = [];
  decoded: LogLine[] = [];
  override push(line: LogLine): void {
    this.decoded.push(line);
    super.push(line);
  }
  override pushRaw(stream: LogLine["stream"], at: number, b: Uint8Array): void {
    this.raw.push(b);
    super.pushRaw(stream, at, b);
  }
}

function setup(over: Partial<CaptureOptions> & { diskFull?: boolean } = {}) {
  const dir = tempDir();
  const path = join(dir.path, "p.out.log");
  if (over.diskFull) symlinkSync("/dev/full", path);
  const file = new RotatingFile(path, { maxBytes: 0, keep: 5, compress: false });
  const ring = new RecordingRing(1000, "p");
  const lines = new LineStream();
  const published: LogLine[] = [];
  const publish = lines.publish.bind(lines);
  lines.publish = (l) => {
    published.push(l);
    publish(l);
  };
  const dropped: number[] = [];
  const cap = new StreamCapture({
    process: "p",
    stream: "stdout",
    file,
    ring,
    lines,
    timestamps: false,
    wholeLines: false,
    lineMaxBytes: 64 * 1024,
    partialFlushMs: 5,
    now: () => T0,
    onDropped: (n) => dropped.push(n),
    ...over,
  });
  return {
    cap,
    ring,
    lines,
    published,
    dropped,
    write: (...chunks: (string | Uint8Array)[]) => {
      for (const c of chunks) cap.write(typeof c === "string" ? bytes(c) : c);
    },
    disk: () => readFileSync(path),
    text: () => readFileSync(path, "utf8"),
    ringText: () => ring.tail(10_000).map((l) => l.text),
    [Symbol.dispose]() {
      cap.end();
      file.close();
      dir[Symbol.dispose]();
    },
  };
}

describe("StreamCapture without subscribers or timestamps (the fast path)", () => {
  test("writes chunks through as they came and hands them to the ring undecoded", () => {
    using h = setup();
    const chunks = [bytes("one\ntw"), bytes("o\nthr"), bytes("ee\n")];
    h.write(...chunks);
    expect({
      disk: h.text(),
      ring: h.ringText(),
      rawChunks: h.ring.raw,
      decoded: h.ring.decoded.length,
      published: h.published.length,
    }).toEqual({
      disk: "one\ntwo\nthree\n",
      ring: ["one", "two", "three"],
      rawChunks: chunks,
      decoded: 0,
      published: 0,
    });
    // The very chunks read, not copies: nothing was split or decoded.
    expect(h.ring.raw[0]).toBe(chunks[0] as Uint8Array);
  });

  test("a chunk with an overlong line leaves the fast path: the line is cut into pieces", () => {
    using h = setup({ lineMaxBytes: 10 });
    h.write("short\n", "abcdefghijklmnopqrstuvwxyz\n", "after\n");
    expect(h.text()).toBe("short\nabcdefghij\nklmnopqrst\nuvwxyz\nafter\n");
    expect(h.ringText()).toEqual(["short", "abcdefghij", "klmnopqrst", "uvwxyz", "after"]);
  });

  test("a 1 MB line without a newline is written in pieces as it arrives, never held back", () => {
    using h = setup();
    const piece = 64 * 1024;
    const total = 1_000_000;
    const line = new Uint8Array(total).fill(0x61);
    for (let off = 0; off < total; off += 60_000) h.cap.write(line.subarray(off, off + 60_000));
    // Every full piece is on disk before the line ends.
    const whole = Math.floor(total / piece);
    expect(h.disk().length).toBeGreaterThanOrEqual(whole * (piece + 1));
    h.cap.end();
    const lines = h.text().split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => l.length)).toEqual([...Array(whole).fill(piece), total - whole * piece]);
    // The ring keeps the last pieces, within its byte budget (capacity × 256).
    const ring = h.ringText().map((l) => l.length);
    expect(ring.length).toBeGreaterThanOrEqual(3);
    expect(ring).toEqual(lines.slice(-ring.length).map((l) => l.length));
  });

  test("end() closes a last line that has no newline", () => {
    using h = setup();
    h.write("done\nno newline");
    h.cap.end();
    expect(h.text()).toBe("done\nno newline\n");
    expect(h.ringText()).toEqual(["done", "no newline"]);
  });

  test("invalid UTF-8 is kept byte for byte on disk", () => {
    using h = setup();
    const bad = bytes([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0x20, 0xc3, 0x28, 0x20, 0xe2, 0x82, 0x0a]);
    h.write(bad);
    expect(h.disk()).toEqual(Buffer.from(bad));
    expect(h.ringText()).toEqual(["bad \ufffd\ufffd \ufffd( \ufffd"]);
  });
});

describe("StreamCapture line by line (timestamps or a subscriber)", () => {
  test("a subscriber gets each line once, whole, however the chunks fell", () => {
    using h = setup();
    const got: string[] = [];
    const off = h.lines.subscribe("p", (l) => got.push(l.text));
    h.write("al", "pha\nbeta\ngam", "ma\n");
    expect(got).toEqual(["alpha", "beta", "gamma"]);
    expect(h.text()).toBe("alpha\nbeta\ngamma\n");
    expect(h.ringText()).toEqual(["alpha", "beta", "gamma"]);
    off();
    // Nobody listens any more: back to the fast path.
    const rawBefore = h.ring.raw.length;
    h.write("delta\n");
    expect(h.ring.raw.length).toBe(rawBefore + 1);
    expect(got).toEqual(["alpha", "beta", "gamma"]);
    expect(h.ringText()).toEqual(["alpha", "beta", "gamma", "delta"]);
  });

  test("a subscriber that arrives mid-line gets that line whole; ring and disk hold it once", () => {
    using h = setup();
    h.write("first\nsecond ha");
    const got: string[] = [];
    h.lines.subscribe("p", (l) => got.push(l.text));
    h.write("lf\nthird\n");
    expect(got).toEqual(["second half", "third"]);
    expect(h.text()).toBe("first\nsecond half\nthird\n");
    expect(h.ringText()).toEqual(["first", "second half", "third"]);
  });

  test("timestamps: one ISO prefix per line on disk, none in the text readers get", () => {
    using h = setup({ timestamps: true });
    h.write("a", "b\nc\n", "\n", "d");
    h.cap.end();
    expect(h.text()).toBe(`${STAMP}ab\n${STAMP}c\n${STAMP}\n${STAMP}d\n`);
    expect(h.ringText()).toEqual(["ab", "c", "", "d"]);
    // The ring has the lines as the child wrote them.
    expect(Buffer.concat(h.ring.raw).toString()).toBe("ab\nc\n\nd\n");
  });

  test("timestamps with cut pieces: each piece is a line with its own prefix", () => {
    using h = setup({ timestamps: true, lineMaxBytes: 4 });
    h.write("abcdefghij\nxy\n");
    expect(h.text()).toBe(`${STAMP}abcd\n${STAMP}efgh\n${STAMP}ij\n${STAMP}xy\n`);
    expect(h.ringText()).toEqual(["abcd", "efgh", "ij", "xy"]);
  });

  test("wholeLines (a shared file): an unfinished line is held until it ends, no decoding", () => {
    using h = setup({ wholeLines: true });
    h.write("one\ntw");
    expect(h.text()).toBe("one\n");
    h.write("o\n");
    expect(h.text()).toBe("one\ntwo\n");
    expect(h.ringText()).toEqual(["one", "two"]);
    expect(h.published).toEqual([]);
  });

  test("invalid UTF-8 and a character split across chunks are kept byte for byte", () => {
    using h = setup({ timestamps: true });
    const euro = bytes("€"); // e2 82 ac
    h.write(bytes([0x78, 0xff, 0x0a, 0x79]), euro.subarray(0, 1), euro.subarray(1), bytes("\n"));
    expect(h.disk()).toEqual(
      Buffer.concat([Buffer.from(`${STAMP}x`), Buffer.from([0xff, 0x0a]), Buffer.from(`${STAMP}y€\n`)]),
    );
    expect(h.ringText()).toEqual(["x\ufffd", "y€"]);
  });

  test("a partial line is flushed to subscribers and disk after partialFlushMs; its end joins it on disk", async () => {
    using h = setup({ timestamps: true });
    const got: string[] = [];
    h.lines.subscribe("p", (l) => got.push(l.text));
    h.write("prompt> ");
    await waitFor(
      "the partial line to be flushed",
      () => got.length === 1 && h.text() === `${STAMP}prompt> `,
    );
    h.write("answer\n");
    expect(h.text()).toBe(`${STAMP}prompt> answer\n`);
    expect(got).toEqual(["prompt> ", "answer"]);
  });

  test("a flushed partial line whose newline comes later does not add an empty line", async () => {
    using h = setup({ timestamps: true });
    h.write("waiting");
    await waitFor("the partial line to be flushed", () => h.ringText().length === 1);
    h.write("\n", "next\n");
    expect(h.ringText()).toEqual(["waiting", "next"]);
    expect(h.text()).toBe(`${STAMP}waiting\n${STAMP}next\n`);
  });

  test("a flushed partial line then the end of the stream: closed on disk, shown once", async () => {
    using h = setup({ timestamps: true });
    h.write("last words");
    await waitFor("the partial line to be flushed", () => h.ringText().length === 1);
    h.cap.end();
    expect(h.ringText()).toEqual(["last words"]);
    expect(h.text()).toBe(`${STAMP}last words\n`);
  });

  test("end() delivers a last line without newline to subscribers", () => {
    using h = setup();
    const got: string[] = [];
    h.lines.subscribe("p", (l) => got.push(l.text));
    h.write("exit mid-li", "ne");
    h.cap.end();
    expect(got).toEqual(["exit mid-line"]);
    expect(h.text()).toBe("exit mid-line\n");
  });
});

describe("StreamCapture when the disk is full", () => {
  test("counts the lines it could not write and keeps capturing; memory still has them", () => {
    using h = setup({ diskFull: true });
    h.write("one\ntwo\n", "three\n");
    h.write("four\nfive\n");
    expect(h.dropped.reduce((a, b) => a + b, 0)).toBe(5);
    expect(h.ringText()).toEqual(["one", "two", "three", "four", "five"]);
  });

  test("line by line too", () => {
    using h = setup({ diskFull: true, timestamps: true });
    h.write("one\ntwo\n", "three\n");
    expect(h.dropped.reduce((a, b) => a + b, 0)).toBe(3);
    expect(h.ringText()).toEqual(["one", "two", "three"]);
  });
});
