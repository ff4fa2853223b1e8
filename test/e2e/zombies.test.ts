import { expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { readStat, zombieChildrenOf } from "../helpers/proc-stat.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const COUNT = 5;

test("double-forked grandchildren that exit are reaped: no zombie of the supervisor remains", async () => {
  using fifoDir = tempDir();
  const fifo = join(fifoDir.path, "go.fifo");
  execFileSync("mkfifo", [fifo]);
  await using d = await new TestDaemon(
    `[processes.forker]\ncommand = ["${FIXTURES}/orphans-exit-on-line.sh", "${COUNT}", "${fifo}"]\n`,
  ).start();
  const supervisor = d.proc?.pid as number;
  await d.waitState("forker", "running");
  const orphans = await waitFor(`${COUNT} orphans and ready in the log`, () => {
    const log = d.log("forker");
    const pids = [...log.matchAll(/^orphan (\d+)$/gm)].map((m) => Number(m[1]));
    if (pids.length < COUNT || !/^ready \d+$/m.test(log)) throw new Error(`log ${JSON.stringify(log)}`);
    return pids;
  });
  // Their parents exited, so the subreaper (the supervisor) adopted them.
  const parents = orphans.map((pid) => readStat(pid)?.ppid);
  expect(parents, "orphans re-parented to the supervisor").toEqual(orphans.map(() => supervisor));

  const fd = openSync(fifo, "w");
  writeSync(fd, "\n".repeat(COUNT));
  closeSync(fd);

  await waitFor("every orphan exited and was reaped (gone from /proc)", () => {
    const left = orphans
      .map((pid) => ({ pid, state: readStat(pid)?.state ?? "gone" }))
      .filter((x) => x.state !== "gone");
    if (left.length) throw new Error(`still in /proc: ${JSON.stringify(left)}`);
    return true;
  });
  await waitFor("no zombie child of the supervisor", () => {
    const z = zombieChildrenOf(supervisor);
    if (z.length) throw new Error(`zombies ${z.join(" ")}`);
    return true;
  });
  expect((await d.process("forker")).state, "the child itself still running").toBe("running");

  // The child itself, stopped, is reaped too.
  expect(await d.cli("stop", "forker")).toMatchObject({ code: 0 });
  await waitFor("no zombie child of the supervisor after the stop", () => {
    const z = zombieChildrenOf(supervisor);
    if (z.length) throw new Error(`zombies ${z.join(" ")}`);
    return true;
  });
}, 15_000);
