import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CgroupTree,
  cgroupEvents,
  cgroupProcs,
  findCgroupHost,
  openCgroupTree,
  removeCgroup,
} from "../../src/proc/cgroup.ts";
import { stopCgroup } from "../../src/proc/cgroup-stop.ts";
import { FIXTURES } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const MOUNTINFO = [
  "24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
  "35 24 0:30 / /sys/fs/cgroup/freezer rw,nosuid - cgroup cgroup rw,freezer",
  "36 24 0:31 / /sys/fs/cgroup/my\\040tree rw,relatime - cgroup2 none rw,nsdelegate,favordynmods",
].join("\n");

test("the cgroup2 mount is read from mountinfo: escaped path, its super options, tend's own cgroup", () => {
  expect(findCgroupHost(MOUNTINFO, "12:freezer:/\n0::/system.slice/tend.service\n")).toEqual({
    mount: "/sys/fs/cgroup/my tree",
    own: "/system.slice/tend.service",
    favordynmods: true,
  });
  expect(findCgroupHost(MOUNTINFO.replace(",favordynmods", ""), "0::/\n")?.favordynmods).toBe(false);
  // Only the v1 controllers, or no v2 line for this process: no cgroup mode.
  expect(findCgroupHost(MOUNTINFO.split("\n").slice(0, 2).join("\n"), "0::/\n")).toBeNull();
  expect(findCgroupHost(MOUNTINFO, "12:freezer:/\n")).toBeNull();
});

test("no cgroup2: the fallback is chosen, saying why", () => {
  expect(openCgroupTree("k", null)).toEqual({ why: "no cgroup2 file system is mounted" });
});

// The layouts on the real cgroup2 hierarchy (a fake tree in a temp dir cannot act as one:
// rmdir of a cgroup ignores its interface files). .ci/run mounts one where none is.
function realHost(): { mount: string; favordynmods: boolean } {
  const host = findCgroupHost();
  if (!host || process.getuid?.() !== 0)
    throw new Error("needs root and a mounted cgroup2 (mount -t cgroup2 none /sys/fs/cgroup/unified)");
  return host;
}
const key = () => `unit-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const ownCgroup = () => /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "latin1"))?.[1];

// A tree of tend's on the real hierarchy, under a key of its own.
function realTree(): { tree: CgroupTree; k: string } {
  const { mount, favordynmods } = realHost();
  const k = key();
  const tree = openCgroupTree(k, { mount, own: "/", favordynmods }, {});
  if (!(tree instanceof CgroupTree)) throw new Error(`no tree: ${JSON.stringify(tree)}`);
  return { tree, k };
}

test("as root outside systemd the runs go under the mount, keyed by the state dir, tend in a leaf of its own", () => {
  const { mount, favordynmods } = realHost();
  const k = key();
  const tree = openCgroupTree(k, { mount, own: "/", favordynmods }, {});
  if (!(tree instanceof CgroupTree)) throw new Error(`no tree: ${JSON.stringify(tree)}`);
  const base = join(mount, `tend-${k}`);
  try {
    expect([tree.base, tree.home]).toEqual([base, join(base, "supervisor")]);
    expect(tree.runPath(7)).toBe(join(base, "run-7"));
    expect(existsSync(join(tree.base, "probe")), "the trial cgroup removed").toBe(false);
    expect(ownCgroup(), "tend in its leaf after the trial move").toBe(`/tend-${k}/supervisor`);
  } finally {
    expect(tree.close(), "nothing left at close").toBeNull();
  }
  expect([ownCgroup(), existsSync(base)], "tend back where it was, the base gone").toEqual(["/", false]);
});

test("a child is born in the run's cgroup; tend gets back to its leaf even if the leaf went away", async () => {
  const { tree, k } = realTree();
  const run = tree.runPath(1);
  let child: ReturnType<typeof Bun.spawn> | null = null;
  try {
    tree.create(run);
    child = tree.spawnInside(run, () => {
      rmdirSync(tree.home); // tend is in `run` now, so its leaf can go
      return Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
    });
    expect(cgroupProcs(run), "the child in the run's cgroup, tend not").toEqual([child.pid]);
    expect(ownCgroup(), "tend back in its leaf, made anew").toBe(`/tend-${k}/supervisor`);
    // Another start while run-1 holds a process is refused: two runs never share a cgroup.
    expect(() => tree.create(run)).toThrow(/already holds processes of an earlier run/);
  } finally {
    child?.kill("SIGKILL");
    await child?.exited;
    await waitFor("run-1 to empty", () => !cgroupEvents(run).populated);
    expect(tree.close(), "nothing left at close").toBeNull();
  }
});

test("a run's stop is over when its leader exits, not at the next reading of cgroup.events", async () => {
  const { tree } = realTree();
  const run = tree.runPath(1);
  let child: ReturnType<typeof Bun.spawn> | null = null;
  try {
    tree.create(run);
    const leader = tree.spawnInside(run, () =>
      Bun.spawn([join(FIXTURES, "slow-term.py")], { stdio: ["ignore", "pipe", "ignore"], detached: true }),
    );
    child = leader;
    const first = await leader.stdout.getReader().read();
    expect(new TextDecoder().decode(first.value)).toStartWith("ready");
    // It takes 0.3 s to exit after SIGTERM and cgroup.events is read once an hour here: only
    // the leader's exit can end the wait within the test's time.
    const result = await stopCgroup({
      path: run,
      leader: { pid: child.pid, startTicks: null },
      leaderExited: child.exited,
      signal: "SIGTERM",
      timeoutMs: 3_600_000,
      pollMs: 3_600_000,
    });
    expect({ result, removed: !existsSync(run) }).toEqual({
      result: { found: 1, killed: false, survivors: [] },
      removed: true,
    });
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await child?.exited;
    if (existsSync(run)) await waitFor("run-1 to empty", () => !cgroupEvents(run).populated);
    if (existsSync(run)) rmdirSync(run);
    expect(tree.close(), "nothing left at close").toBeNull();
  }
});

test("a run's cgroup goes with the empty ones it made below it; one still holding a process stays, saying why", async () => {
  const { tree } = realTree();
  const run = tree.runPath(1);
  const inner = join(run, "inner", "deeper");
  let child: ReturnType<typeof Bun.spawn> | null = null;
  try {
    mkdirSync(inner, { recursive: true });
    expect(removeCgroup(run), "every level empty: all go").toBeNull();
    expect(existsSync(run)).toBe(false);
    mkdirSync(inner, { recursive: true });
    child = tree.spawnInside(inner, () =>
      Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] }),
    );
    const why = removeCgroup(run);
    expect({ why, left: existsSync(inner) }).toEqual({
      why: expect.stringMatching(new RegExp(`^removing ${inner}: EBUSY`)),
      left: true,
    });
  } finally {
    child?.kill("SIGKILL");
    await child?.exited;
    if (existsSync(inner)) await waitFor("the inner cgroup to empty", () => !cgroupEvents(inner).populated);
    expect(removeCgroup(run), "gone once empty").toBeNull();
    expect(tree.close(), "nothing left at close").toBeNull();
  }
});

test("under systemd (Delegate=yes) tend moves into a leaf of its own cgroup and runs go beside it", () => {
  const { mount, favordynmods } = realHost();
  const own = `/tend-unit-service-${key()}`;
  const unit = join(mount, own);
  mkdirSync(unit);
  try {
    const tree = openCgroupTree("abc", { mount, own, favordynmods }, { INVOCATION_ID: "x" });
    if (!(tree instanceof CgroupTree)) throw new Error(`no tree: ${JSON.stringify(tree)}`);
    expect([tree.base, tree.home]).toEqual([join(unit, "tend-abc"), join(unit, "supervisor")]);
    // The no-internal-process rule: tend itself lives in the leaf, not in the unit's cgroup.
    expect(ownCgroup()).toBe(`${own}/supervisor`);
    expect(tree.close()).toBeNull();
  } finally {
    writeFileSync(join(mount, "cgroup.procs"), String(process.pid));
    rmdirSync(join(unit, "supervisor"));
    rmdirSync(unit);
  }
});

test("a hierarchy tend may not write to: the fallback, naming the mount and the error", () => {
  const tree = openCgroupTree("abc", { mount: "/proc/definitely-not", own: "/", favordynmods: false }, {});
  expect("why" in tree && tree.why).toMatch(/^cgroups under \/proc\/definitely-not cannot be used: .*ENOENT/);
});

test("a kernel whose cgroup2 has no cgroup.kill (before Linux 5.14): the fallback, saying so", () => {
  // A plain directory stands in for such a hierarchy: it has none of the interface files.
  const dir = mkdtempSync(join(tmpdir(), "tend-old-kernel-"));
  try {
    expect(openCgroupTree("abc", { mount: dir, own: "/", favordynmods: false }, {})).toEqual({
      why: "this kernel's cgroup2 has no cgroup.kill (Linux 5.14 or later has it)",
    });
    expect(ownCgroup(), "tend stays where it was").not.toContain(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
