import { afterEach, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { type ChildHandle, spawnChild } from "../../src/proc/spawn.ts";

const started: ChildHandle[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) {
    try {
      process.kill(c.pid, "SIGKILL");
    } catch {}
    await c.exited;
  }
});

function spawn(argv: string[]): ChildHandle {
  const c = spawnChild({ argv, cwd: null, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  started.push(c);
  return c;
}

async function readAll(c: ChildHandle): Promise<{ out: string; err: string }> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  await Promise.all([c.stdout?.read((b) => out.push(b.slice())), c.stderr?.read((b) => err.push(b.slice()))]);
  const text = (parts: Uint8Array[]) => Buffer.concat(parts).toString("utf8");
  return { out: text(out), err: text(err) };
}

test("a child's output pipes reach no other child: a sibling sees only its own stdio", async () => {
  const holder = spawn(["sleep", "30"]);
  const reading = readAll(holder);
  const sibling = spawn(["sh", "-c", "ls /proc/$$/fd; echo done >&2"]);
  const { out, err } = await readAll(sibling);
  expect(out.split("\n").filter(Boolean).map(Number).sort(), `fds of the sibling: ${out}`).toEqual([0, 1, 2]);
  expect(err).toBe("done\n");
  process.kill(holder.pid, "SIGKILL");
  await reading; // the holder's pipes end with it
});

test("everything written comes out in order, and read() resolves with the pipes closed", async () => {
  const fdsBefore = readdirSync("/proc/self/fd").length;
  // 8 MB at full speed: enough to fill the default 64 KiB pipe and get a bigger one.
  const c = spawn(["sh", "-c", "seq 1 1000000; echo tail >&2"]);
  const { out, err } = await readAll(c);
  const lines = out.split("\n");
  expect(lines.length).toBe(1_000_001);
  expect(lines[0]).toBe("1");
  expect(lines[999_999]).toBe("1000000");
  expect(lines.every((l, i) => i === 1_000_000 || l === String(i + 1))).toBe(true);
  expect(err).toBe("tail\n");
  await c.exited;
  expect(readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(fdsBefore);
});

test("a pipe found full gets a 1 MiB buffer; a quiet one keeps the kernel's 64 KiB", async () => {
  // F_GETPIPE_SZ (1032) on the child's own stdout, after 1 MiB written in one call (quiet: none).
  const size = (write: boolean) =>
    spawn([
      "python3",
      "-c",
      `import fcntl, os, sys\nif ${write ? "True" : "False"}: os.write(1, b"x" * 1048576)\nsys.stderr.write(str(fcntl.fcntl(1, 1032)))`,
    ]);
  const [busy, quiet] = [size(true), size(false)];
  const [b, q] = await Promise.all([readAll(busy), readAll(quiet)]);
  expect(b.out.length).toBe(1048576);
  expect({ busy: Number(b.err), quiet: Number(q.err) }).toEqual({ busy: 1048576, quiet: 65536 });
});

test("a pipe is read once", async () => {
  const c = spawn(["true"]);
  const first = c.stdout?.read(() => {});
  await expect(async () => c.stdout?.read(() => {})).toThrow(/already being read/);
  await first;
  await c.stderr?.read(() => {});
});
