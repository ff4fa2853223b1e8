import { describe, expect, test } from "bun:test";
import { ByteRing } from "../../src/logs/byte-ring.ts";
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

  test("keeps a copy: the reader may reuse its buffer as soon as pushRaw returns", () => {
    const r = new RingBuffer(10);
    const buf = bytes("first\n");
    r.pushRaw("stdout", 1, buf);
    buf.set(bytes("XXXXX\n"));
    r.pushRaw("stdout", 2, buf);
    expect(texts(r)).toEqual(["o:first", "o:XXXXX"]);
  });

  test("a chunk larger than the whole budget keeps its end, from the first line that starts there", () => {
    const r = new RingBuffer(4); // 1024 bytes
    r.pushRaw("stderr", 1, bytes("older\n"));
    const lines = Array.from(
      { length: 100 },
      (_, i) => `line ${String(i).padStart(3, "0")} ${"x".repeat(20)}`,
    );
    r.pushRaw("stdout", 2, bytes(`${lines.join("\n")}\n`));
    const kept = texts(r);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.at(-1)).toBe(`o:${lines[99]}`);
    // Whole lines only, consecutive up to the last one.
    const first = lines.indexOf((kept[0] as string).slice(2));
    expect(first).toBeGreaterThan(0);
    expect(kept).toEqual(lines.slice(first).map((l) => `o:${l}`));
    // Still within the last 1024 bytes of the chunk.
    expect(lines.slice(first).join("\n").length + 1).toBeLessThanOrEqual(1024);
  });

  test("a chunk larger than the budget without a line start in its end is a fragment, not a line", () => {
    const r = new RingBuffer(4);
    r.pushRaw("stdout", 1, bytes("y".repeat(5000)));
    r.pushRaw("stdout", 2, bytes(" end\nnext\n"));
    expect(texts(r)).toEqual(["o:next"]);
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

describe("ByteRing", () => {
  const str = (b: Uint8Array) => new TextDecoder().decode(b);

  test("appends, drops from the front and reads across the wrap", () => {
    const ring = new ByteRing(4096);
    ring.append(bytes("a".repeat(4090)));
    ring.dropFront(4080);
    ring.append(bytes("0123456789abcdefghij")); // 6 bytes at the end of the buffer, 14 at its start
    expect(ring.size).toBe(30);
    expect(str(ring.slice(0, 10))).toBe("aaaaaaaaaa");
    expect(str(ring.slice(10, 20))).toBe("0123456789abcdefghij");
    expect(String.fromCharCode(ring.at(29) as number)).toBe("j");
    expect(ring.at(30)).toBeUndefined();
  });

  test("grows from 4 KiB up to max, keeping the bytes in order, and refuses more than max", () => {
    const ring = new ByteRing(20_000);
    const all: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = `${i},`;
      ring.append(bytes(s));
      all.push(s);
    }
    ring.dropFront(1000);
    const kept = all.join("").slice(1000);
    expect(str(ring.slice(0, ring.size))).toBe(kept);
    ring.append(bytes("z".repeat(20_000 - ring.size)));
    expect(ring.size).toBe(20_000);
    expect(() => ring.append(bytes("!"))).toThrow(RangeError);
  });
});
