import { afterEach, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { sampleTrees, type TreeUsage } from "../../src/metrics/tree-sample.ts";
import { waitFor } from "../helpers/wait.ts";

const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {} // already gone
  }
});

test("a tree's open fds are counted as /proc lists them, members summed", async () => {
  // A shell holding four extra fds, with a child that inherits them.
  const leader = Bun.spawn(
    ["sh", "-c", "exec 5</dev/null 6</dev/null 7</dev/null 8</dev/null; sleep 30 & wait"],
    {
      stdio: ["ignore", "ignore", "ignore"],
    },
  );
  pids.push(leader.pid);
  const listed = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
  const usage = await waitFor("the shell's child in its tree, both with the extra fds", (): TreeUsage => {
    const u = sampleTrees([{ name: "t", leaderPid: leader.pid, marker: "TEND_RUN=none" }]).get("t");
    if (!u) throw new Error("no tree sampled");
    pids.push(...u.pids.filter((pid) => !pids.includes(pid)));
    if (u.pids.length !== 2 || u.pids.some((pid) => listed(pid) < 7))
      throw new Error(`tree: ${JSON.stringify(u)}`);
    return u;
  });
  const expected = usage.pids.reduce((n, pid) => n + listed(pid), 0);
  expect({ fds: usage.fds, atLeast: usage.fds >= 14 }).toEqual({ fds: expected, atLeast: true });
});
