import { describe, expect, test } from "bun:test";
import { RingBuffer } from "../../src/logs/ring-buffer.ts";
import { bytes } from "./log-files.ts";

const texts = (r: RingBuffer, n = 10_000, stream?: "stdout" | "stderr") =>
  r.tail(n, stream).map((l) => `${l.stream === "stdout" ? "o" : "e"}:${l.text}`);

describe("RingBuffer", () => {
  test("raw chunks of both streams come back as lines in read order, split where they fell", () => {
    const r = new RingBuffer(100, "p");
    r.pushRaw("stdout", 1, bytes("o1\no2 be"));
    r.pushRaw("stderr", 2, bytes("e1\n"));
    r.pushRaw("stdout", 3, bytes("gun\no3\n"));
    r.pushRaw("stderr", 4, bytes("e2 unfinished"));
    expect(texts(r)).toEqual(["o:o1", "e:e1", "o:o2 begun", "o:o3", "e:e2 unfinished"]);
    // A line keeps the time its first byte was read.
    expect(r.tail(10).map((l) => l.at)).toEqual([1, 2, 1, 3, 4]);
    expect(texts(r, 2, "stdout")).toEqual(["o:o2 begun", "o:o3"]);
    expect(texts(r, 1, "stderr")).toEqual(["e:e2 unfinished"]);
  });

  test("a UTF-8 character split across chunks decodes whole", () => {
    const r = new RingBuffer(10);
    const euro = bytes("€\n");
    r.pushRaw("stdout", 1, euro.subarray(0, 2));
    r.pushRaw("stdout", 2, euro.subarray(2));
    expect(texts(r)).toEqual(["o:€"]);
  });

  test("keeps at most `capacity` lines", () => {
    const r = new RingBuffer(3);
    for (let i = 1; i <= 10; i++) r.push({ process: "p", stream: "stdout", at: i, text: `l${i}` });
    expect(texts(r)).toEqual(["o:l8", "o:l9", "o:l10"]);
    expect(r.size).toBe(3);
  });

  test("raw bytes are kept under capacity × 256; a line whose start was evicted is not shown as a fragment", () => {
    const r = new RingBuffer(4); // 1024 bytes
    r.pushRaw("stdout", 1, bytes(`${"a".repeat(600)}\nstart of a long line `));
    r.pushRaw("stdout", 2, bytes(`${"b".repeat(600)} end\nnext\n`));
    r.pushRaw("stdout", 3, bytes("last\n"));
    expect(texts(r)).toEqual(["o:next", "o:last"]);
  });

  test("clear forgets everything", () => {
    const r = new RingBuffer(10);
    r.pushRaw("stdout", 1, bytes("x\ny"));
    r.clear();
    r.pushRaw("stdout", 2, bytes("z\n"));
    expect(texts(r)).toEqual(["o:z"]);
  });

  test("capacity 0 keeps nothing", () => {
    const r = new RingBuffer(0);
    r.pushRaw("stdout", 1, bytes("x\n"));
    expect(r.tail(10)).toEqual([]);
  });
});
