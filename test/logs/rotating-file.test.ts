import { describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { RotatingFile } from "../../src/logs/rotating-file.ts";
import { tempDir } from "../helpers/temp.ts";
import { bytes, fileBytes, logContents, logFiles, logLines } from "./log-files.ts";

const policy = (over: Partial<{ maxBytes: number; keep: number; compress: boolean }> = {}) => ({
  maxBytes: 100,
  keep: 5,
  compress: false,
  ...over,
});

describe("RotatingFile", () => {
  test("a failing rotation is reported once, the file stops below twice maxBytes with whole lines, and it recovers", () => {
    using dir = tempDir();
    const path = join(dir.path, "r.log");
    const failures: string[] = [];
    const f = new RotatingFile(path, policy({ maxBytes: 100, keep: 1 }), (e) => failures.push(e));
    // NAME.1 as a directory with a file in it: the rename onto it fails.
    mkdirSync(`${path}.1`);
    writeFileSync(join(`${path}.1`, "in-the-way"), "");
    const lines = Array.from(
      { length: 100 },
      (_, i) => `line ${String(i).padStart(3, "0")} ${"y".repeat(i % 23)}`,
    );
    const all = bytes(lines.map((l) => `${l}\n`).join(""));
    let written = 0;
    for (let off = 0; off < all.length; off += 61) written += f.append(all.subarray(off, off + 61));
    const whileBroken = readFileSync(path, "utf8");
    rmSync(`${path}.1`, { recursive: true });
    f.append(bytes("after the mend\n"));
    f.close();
    const kept = whileBroken.split("\n").slice(0, -1);
    expect({
      failures: failures.length,
      bounded: whileBroken.length <= 200,
      whole: kept.every((l) => lines.includes(l)),
      inOrder: kept.map((l) => lines.indexOf(l)).every((n, i, a) => i === 0 || n > (a[i - 1] as number)),
      written: written < all.length,
      rotated: existsSync(`${path}.1`),
      last: readFileSync(path, "utf8"),
    }).toEqual({
      failures: 1,
      bounded: true,
      whole: true,
      inOrder: true,
      written: true,
      rotated: true,
      last: "after the mend\n",
    });
  });

  test("rotates by rename once full, only between lines: every line once, none split", () => {
    using dir = tempDir();
    const f = new RotatingFile(join(dir.path, "a.out.log"), policy({ maxBytes: 100, keep: 100 }));
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${"x".repeat(i % 37)}`);
    // Chunks that end mid-line, as a pipe delivers them.
    const all = bytes(lines.map((l) => `${l}\n`).join(""));
    for (let off = 0; off < all.length; off += 77) f.append(all.subarray(off, off + 77));
    f.close();
    expect(logLines(dir.path, "a.out.log")).toEqual(lines);
    const sizes = logFiles(dir.path, "a.out.log").map((p) => readFileSync(p).length);
    expect(sizes.length).toBeGreaterThan(40);
    // Rotated after the last line end that fits: a file is over maxBytes only by a line that
    // began before it was full, and under it only by a line that would not fit (≤ 45 bytes).
    for (const s of sizes.slice(0, -1)) expect(s).toBeWithin(100 - 45, 100 + 45);
  });

  test("a line longer than a file, or still open when the file is full, keeps the file until it ends", () => {
    using dir = tempDir();
    const path = join(dir.path, "a.out.log");
    const f = new RotatingFile(path, policy({ maxBytes: 10 }));
    f.append(bytes("0123456789abc"));
    f.append(bytes("def"));
    f.append(bytes("ghi\nnext\nlonger than ten\nshort\n"));
    f.close();
    expect(logContents(dir.path, "a.out.log").map(String)).toEqual([
      "0123456789abcdefghi\n",
      "next\n",
      "longer than ten\n",
      "short\n",
    ]);
  });

  test("keeps `keep` rotated files and deletes the oldest", () => {
    using dir = tempDir();
    const f = new RotatingFile(join(dir.path, "k.log"), policy({ maxBytes: 4, keep: 2 }));
    for (const l of ["aaaa", "bbbb", "cccc", "dddd", "eeee"]) f.append(bytes(`${l}\n`));
    f.close();
    expect(readdirSync(dir.path).sort()).toEqual(["k.log", "k.log.1", "k.log.2"]);
    expect(logContents(dir.path, "k.log").map(String)).toEqual(["cccc\n", "dddd\n", "eeee\n"]);
  });

  test("keep = 0 deletes the full file", () => {
    using dir = tempDir();
    const f = new RotatingFile(join(dir.path, "z.log"), policy({ maxBytes: 4, keep: 0 }));
    for (const l of ["aaaa", "bbbb", "cccc"]) f.append(bytes(`${l}\n`));
    f.close();
    expect(readdirSync(dir.path)).toEqual(["z.log"]);
    expect(readFileSync(join(dir.path, "z.log"), "utf8")).toBe("cccc\n");
  });

  test("compress gzips rotated files off the event loop; their content is intact", async () => {
    using dir = tempDir();
    const f = new RotatingFile(join(dir.path, "c.log"), policy({ maxBytes: 50, keep: 100, compress: true }));
    const lines = Array.from({ length: 100 }, (_, i) => `compressed ${i}`);
    for (const l of lines) f.append(bytes(`${l}\n`));
    f.close();
    // Every line is readable in order while gzip runs: the renamed files are listed meanwhile.
    expect(f.files().flatMap((p) => String(fileBytes(p)).split("\n").slice(0, -1))).toEqual(lines);
    await f.settled();
    expect(readdirSync(dir.path).filter((n) => n.includes("rotating"))).toEqual([]);
    const files = logFiles(dir.path, "c.log");
    expect(files.slice(0, -1).every((p) => p.endsWith(".gz"))).toBe(true);
    expect(files.length).toBeGreaterThan(10);
    expect(logLines(dir.path, "c.log")).toEqual(lines);
  });

  test("a new RotatingFile on an existing file appends and counts its size", () => {
    using dir = tempDir();
    const path = join(dir.path, "r.log");
    writeFileSync(path, "from before\n");
    const f = new RotatingFile(path, policy({ maxBytes: 20 }));
    f.append(bytes("after\n"));
    expect(f.size).toBe(18);
    f.append(bytes("more\n")); // 23 > 20: goes to the next file
    f.close();
    expect(logContents(dir.path, "r.log").map(String)).toEqual(["from before\nafter\n", "more\n"]);
  });

  test("clear empties the current file and removes rotated ones", () => {
    using dir = tempDir();
    const path = join(dir.path, "x.log");
    const f = new RotatingFile(path, policy({ maxBytes: 4 }));
    for (const l of ["aaaa", "bbbb", "cccc"]) f.append(bytes(`${l}\n`));
    f.clear();
    expect(readdirSync(dir.path)).toEqual(["x.log"]);
    expect(readFileSync(path, "utf8")).toBe("");
    f.append(bytes("after clear\n"));
    f.close();
    expect(readFileSync(path, "utf8")).toBe("after clear\n");
  });

  test("a failed write (disk full) returns 0 instead of throwing and does not count as size", () => {
    using dir = tempDir();
    const path = join(dir.path, "full.log");
    // Writes to /dev/full fail with ENOSPC, whoever the writer is.
    symlinkSync("/dev/full", path);
    const f = new RotatingFile(path, policy({ maxBytes: 1000 }));
    expect(f.append(bytes("lost 1\nlost 2\n"))).toBe(0);
    expect(f.append(bytes("lost 3\n"))).toBe(0);
    expect(f.size).toBe(0);
    f.close();
    expect(existsSync(path)).toBe(true);
  });
});

describe("RotatingFile with compress", () => {
  test("files left waiting for gzip by a stopped supervisor are compressed first, in order", async () => {
    using dir = tempDir();
    const path = join(dir.path, "l.log");
    writeFileSync(`${path}.1.gz`, Bun.gzipSync("oldest\n"));
    writeFileSync(`${path}.rotating-1000-1`, "older\n");
    writeFileSync(`${path}.rotating-1000-0`, "old\n");
    writeFileSync(path, "current\n");
    const f = new RotatingFile(path, policy({ compress: true }));
    await f.settled();
    expect(readdirSync(dir.path).sort()).toEqual(["l.log", "l.log.1.gz", "l.log.2.gz", "l.log.3.gz"]);
    expect(logLines(dir.path, "l.log")).toEqual(["oldest", "old", "older", "current"]);
  });

  test("clear while gzip runs leaves nothing behind", async () => {
    using dir = tempDir();
    const f = new RotatingFile(join(dir.path, "q.log"), policy({ maxBytes: 10, compress: true }));
    for (let i = 0; i < 20; i++) f.append(bytes(`line ${i} of the flood\n`));
    f.clear();
    await f.settled();
    f.append(bytes("after\n"));
    f.close();
    expect(readdirSync(dir.path)).toEqual(["q.log"]);
    expect(logLines(dir.path, "q.log")).toEqual(["after"]);
  });
});

test("a missing log directory is made on the first write", () => {
  using dir = tempDir();
  const path = join(dir.path, "not", "yet", "m.log");
  const f = new RotatingFile(path, policy());
  expect(f.append(bytes("made\n"))).toBe(5);
  f.close();
  expect(readFileSync(path, "utf8")).toBe("made\n");
});
