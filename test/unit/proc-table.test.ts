import { afterEach, expect, test } from "bun:test";
import { nextProcTable, scanProcTable } from "../../src/proc/proc-fs.ts";

const children: Bun.Subprocess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill("SIGKILL");
    await c.exited;
  }
});

test("stops asked for in one turn share one scan, and it begins after all of them", async () => {
  const first = nextProcTable();
  // Spawned after the first request, before the scan: a stop asked for now must see it.
  const child = Bun.spawn(["sleep", "30"]);
  children.push(child);
  const second = nextProcTable();
  const [a, b] = await Promise.all([first, second]);
  expect(a).toBe(b);
  expect(a.get(child.pid)?.ppid).toBe(process.pid);
  // A request after that scan gets a new one.
  expect(await nextProcTable()).not.toBe(a);
});

test("a table's lookups: a child by parent and by group, never this process", async () => {
  // A shell in a group of its own with a child in the same group.
  const leader = Bun.spawn(["setsid", "sh", "-c", "sleep 30 & echo $!; wait"], { stdout: "pipe" });
  children.push(leader);
  const reader = leader.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  const member = Number(new TextDecoder().decode(value).trim());
  try {
    const table = scanProcTable();
    const shell = table.get(member)?.ppid as number;
    expect(shell).toBe(leader.pid);
    expect(table.childrenOf(shell)).toEqual([member]);
    expect([...table.groupOf(shell)].sort()).toEqual([shell, member].sort());
    expect(table.childrenOf(process.ppid)).not.toContain(process.pid);
  } finally {
    process.kill(member, "SIGKILL");
  }
});
