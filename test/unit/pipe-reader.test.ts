import { afterEach, expect, test } from "bun:test";
import { closeSync, readFileSync, writeSync } from "node:fs";
import { cloexecPipe, closeFd, setReadFlags } from "../../src/proc/libc.ts";
import { outputPipe } from "../../src/proc/output-pipe.ts";
import { PipeReader } from "../../src/proc/pipe-reader.ts";
import { waitFor } from "../helpers/wait.ts";

// The pipe reader wakes on SIGIO. These readers sweep an hour after activity, so output that
// arrives at all arrived by a signal (or by the busy reads); only the sweep tests sweep soon.
const HOUR = 3_600_000;

const children: Bun.Subprocess[] = [];
const fds: number[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill("SIGKILL");
    await c.exited;
  }
  for (const fd of fds.splice(0)) closeFd(fd);
});

// A pipe this test writes to itself: the read end goes to `reader`.
function ownPipe(reader: PipeReader) {
  const [r, w] = cloexecPipe();
  fds.push(w);
  const got: string[] = [];
  const done = outputPipe(r, reader).read((bytes) => got.push(Buffer.from(bytes).toString()));
  return {
    read: r,
    write: (s: string) => writeSync(w, s),
    close: () => {
      fds.splice(fds.indexOf(w), 1);
      closeSync(w);
    },
    done,
    // Waits until everything read so far is exactly `expected`.
    readAll: (what: string, expected: string) =>
      waitFor(what, () => {
        if (got.join("") !== expected) throw new Error(`read so far: ${JSON.stringify(got.join(""))}`);
        return true;
      }),
  };
}

test("a quiet pipe is read when the kernel signals it, every time, and ends when its writer closes", async () => {
  const p = ownPipe(new PipeReader(HOUR));
  p.write("one\n");
  await p.readAll("the first line, woken by SIGIO", "one\n");
  // The first read emptied the pipe: the next write must signal again.
  p.write("two\n");
  await p.readAll("the second line, woken by a second SIGIO", "one\ntwo\n");
  p.close();
  await p.done;
});

test("output whose signal was lost is found by the sweep that follows the next activity", async () => {
  const reader = new PipeReader(20);
  const p = ownPipe(reader);
  setReadFlags(p.read, false); // no more SIGIO for this pipe: only a sweep can find its data
  // The new pipe armed one sweep; once it has run, nothing is armed until something happens.
  await waitFor("the sweep armed by the new pipe to run", () => {
    if (reader.sweepPending) throw new Error("a sweep is still pending");
    return true;
  });
  p.write("found by the sweep\n");
  reader.nudge(); // activity elsewhere in the supervisor (a request, an event)
  expect(reader.sweepPending).toBe(true);
  await p.readAll("the sweep to read the line", "found by the sweep\n");
  // Its end sends no signal either: the sweep after the next activity (the child's exit, in the
  // supervisor) sees it.
  p.close();
  reader.nudge();
  await p.done;
});

test("a signal arms one sweep after it, and a quiet reader arms none", async () => {
  const reader = new PipeReader(20);
  const [r, w] = cloexecPipe();
  fds.push(w);
  // Whether a sweep was pending right after each delivery's signal handler returned (a timer
  // cannot run in between).
  const pendingAfter: boolean[] = [];
  const got: string[] = [];
  const done = outputPipe(r, reader).read((bytes) => {
    got.push(Buffer.from(bytes).toString());
    queueMicrotask(() => pendingAfter.push(reader.sweepPending));
  });
  const quiet = () =>
    waitFor("no sweep to be pending", () => {
      if (reader.sweepPending) throw new Error("a sweep is still pending");
      return true;
    });
  await quiet();
  writeSync(w, "one\n");
  await waitFor("the line, read on its signal", () => got.join("") === "one\n" || null);
  expect(pendingAfter).toEqual([true]);
  await quiet();
  writeSync(w, "two\n");
  await waitFor("the second line", () => got.join("") === "one\ntwo\n" || null);
  expect(pendingAfter).toEqual([true, true]);
  await quiet();
  fds.splice(fds.indexOf(w), 1);
  closeSync(w);
  await done;
  expect(reader.sweepPending).toBe(false);
});

test("bursts and pauses move a pipe between busy and quiet many times, and every byte comes out in order", async () => {
  const reader = new PipeReader(HOUR);
  // 60 bursts of 2 000 numbered lines (~14 KiB to 200 KiB each, so some fill a read and some do
  // not), each followed by a pause long enough for the reader to find the pipe empty.
  const script = [
    "import os, time",
    "n = 0",
    "for burst in range(60):",
    "    lines = 50 + (burst * 337) % 2000",
    "    os.write(1, ''.join('%d %s\\n' % (n + i, 'x' * (burst % 90)) for i in range(lines)).encode())",
    "    n += lines",
    "    time.sleep(0.003)",
    "os.write(2, b'%d\\n' % n)",
  ].join("\n");
  const [outR, outW] = cloexecPipe();
  const [errR, errW] = cloexecPipe();
  children.push(Bun.spawn(["python3", "-c", script], { stdio: ["ignore", outW, errW] }));
  closeFd(outW);
  closeFd(errW);
  const out: Uint8Array[] = [];
  let err = "";
  await Promise.all([
    outputPipe(outR, reader).read((b) => out.push(b.slice())),
    outputPipe(errR, reader).read((b) => {
      err += Buffer.from(b).toString();
    }),
  ]);
  const lines = Buffer.concat(out).toString().split("\n");
  expect(lines.pop()).toBe("");
  expect(lines.length).toBe(Number(err));
  const wrong = lines.findIndex((l, i) => Number(l.split(" ")[0]) !== i);
  expect(wrong, `line ${wrong}: ${JSON.stringify(lines[wrong])}`).toBe(-1);
  expect(reader.busySpells, "times the pipe became busy").toBeGreaterThanOrEqual(5);
}, 30_000);

// Spawns argv with its stdout on a pipe read by `reader`; resolves with what it wrote once the
// pipe has ended.
function readChild(reader: PipeReader, argv: string[]): Promise<string> {
  const [r, w] = cloexecPipe();
  children.push(Bun.spawn(argv, { stdio: ["ignore", w, "ignore"] }));
  closeFd(w);
  const out: Uint8Array[] = [];
  return outputPipe(r, reader)
    .read((b) => out.push(b.slice()))
    .then(() => Buffer.concat(out).toString());
}

test("the end of a pipe is seen at once even when its signal merged with the last data's", async () => {
  const reader = new PipeReader(HOUR);
  // Last write and exit close together: one SIGIO may stand for both. Without a read to the end
  // of the pipe, only the hourly sweep would see it end.
  for (let i = 0; i < 30; i++) {
    const text = await Promise.race([
      readChild(reader, ["sh", "-c", "printf hi; sleep 0.01; printf there"]),
      Bun.sleep(10_000).then(() => `run ${i}: the pipe did not end within 10 s of its writer's exit`),
    ]);
    expect(text).toBe("hithere");
  }
}, 60_000);

test("a child flooding in small writes makes its pipe busy, and every line comes out in order", async () => {
  const reader = new PipeReader(HOUR);
  // 100-byte writes never fill a 64 KiB read (a page holds 40 of them): the pipe is busy by rate.
  const script = "import os\nfor i in range(60000): os.write(1, b'%099d\\n' % i)";
  const lines = (await readChild(reader, ["python3", "-c", script])).split("\n");
  expect(lines.pop()).toBe("");
  expect(lines.length).toBe(60_000);
  const wrong = lines.findIndex((l, i) => Number(l) !== i);
  expect(wrong, `line ${wrong}: ${JSON.stringify(lines[wrong])}`).toBe(-1);
  expect(reader.busySpells, "times the pipe became busy").toBeGreaterThanOrEqual(1);
}, 30_000);

// Gathering needs the pipe grown to 1 MiB, which fs.pipe-max-size may refuse.
const canGrowPipes = Number(readFileSync("/proc/sys/fs/pipe-max-size", "utf8")) >= 1024 * 1024;

test.skipIf(!canGrowPipes)(
  "a flood in 8 KiB writes is read in gathered turns, every byte in order",
  async () => {
    const reader = new PipeReader(HOUR);
    // 8 KiB writes of numbered 16-byte lines, 40 MB in all, as fast as Python can.
    const script =
      "import os\nfor b in range(2500):\n  os.write(1, b''.join(b'%015d\\n' % (b * 1000 + i) for i in range(1000)))";
    const lines = (await readChild(reader, ["python3", "-c", script])).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.length).toBe(2_500_000);
    const wrong = lines.findIndex((l, i) => Number(l) !== i);
    expect(wrong, `line ${wrong}: ${JSON.stringify(lines[wrong])}`).toBe(-1);
    // Each write alone would wake a reader that waits for data; a gathering turn sleeps instead.
    expect(
      reader.gatherTurns,
      "turns that slept to gather more (none: every write woke the reader)",
    ).toBeGreaterThan(0);
  },
  30_000,
);
