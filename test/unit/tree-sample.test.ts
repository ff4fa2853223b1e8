import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sampleTrees, type TreeUsage } from "../../src/metrics/tree-sample.ts";
import { tempDir } from "../helpers/temp.ts";
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

// The cgroup files a run's sample reads, in a fake tree: this host's cgroup2 has no memory
// controller, so memory.current is covered here.
test("in cgroup mode a run's members are cgroup.procs, memory is memory.current, CPU is cpu.stat", async () => {
  using dir = tempDir();
  // Not the test's child: membership comes from the file, not from the tree.
  const member = Bun.spawn(["sleep", "30"], { stdio: ["ignore", "ignore", "ignore"] });
  pids.push(member.pid);
  writeFileSync(join(dir.path, "cgroup.procs"), `${member.pid}\n${process.pid}\n`);
  writeFileSync(join(dir.path, "cpu.stat"), "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
  const root = { name: "r", leaderPid: 999_999_999, marker: "TEND_RUN=none", cgroup: dir.path };
  // Read once the member has become `sleep` (between fork and exec its memory reads as 0).
  await waitFor(
    "the member to have exec'd sleep",
    () => readFileSync(`/proc/${member.pid}/comm`, "latin1") === "sleep\n",
  );
  const withoutController = sampleTrees([root]).get("r");
  writeFileSync(join(dir.path, "memory.current"), "123456789\n");
  const withController = sampleTrees([root]).get("r");
  expect({
    pids: withoutController?.pids, // tend itself (moving through to spawn) is never a member
    cpuTicks: withoutController?.cpuTicks, // 2.5 s at USER_HZ 100
    rssFromProc: (withoutController?.rssBytes ?? 0) > 0,
    memoryCurrent: withController?.rssBytes,
  }).toEqual({ pids: [member.pid], cpuTicks: 250, rssFromProc: true, memoryCurrent: 123456789 });
});
