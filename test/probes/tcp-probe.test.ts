import { expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { BUN, FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { events, waitEvent, waitHealth } from "../helpers/probe-waits.ts";
import { waitFor } from "../helpers/wait.ts";

// Sockets of process `pid` connecting to 127.0.0.1:port and still in SYN-SENT (state 02 in
// /proc/net/tcp, matched to the process by the socket's inode).
function synSentTo(pid: number, port: number): number {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      } catch {
        return undefined;
      }
    }),
  );
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2] === `0100007F:${hexPort}` && f[3] === "02" && inodes.has(f[9])).length;
}

test("tcp readiness: unknown while the port is closed, healthy once it accepts", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.db]
command = ["${BUN}", "${FIXTURES}/tcp-listener.ts", "${port}", "--after-usr1"]
readiness = { type = "tcp", port = ${port}, interval = "50ms", failure_threshold = 1000 }
`).start();
  const running = await d.waitState("db", "running");
  await waitFor("db to be replaying", () => d.log("db").includes("replaying"));
  await waitFor(
    "a refused check",
    async () => (await d.process("db")).lastProbe?.message === "connection refused",
  );
  const early = await d.process("db");
  process.kill(running.pid as number, "SIGUSR1"); // now it listens
  const p = await waitHealth(d, "db", "healthy");
  expect({
    early: early.health,
    last: { ok: p.lastProbe?.ok, message: p.lastProbe?.message },
    failedEvents: (await events(d, "db", "probe.failed")).length,
  }).toEqual({ early: "unknown", last: { ok: true, message: "connected" }, failedEvents: 0 });
});

test("tcp failure: connection refused, unhealthy at the 2nd failure in a row (failure_threshold = 2)", async () => {
  const port = freePort(); // nothing listens here
  await using d = await new TestDaemon(`
[processes.idle]
command = ["${FIXTURES}/ready-then-sleep.sh"]
readiness = { type = "tcp", port = ${port}, interval = "100ms", failure_threshold = 2 }
`).start();
  const running = await d.waitState("idle", "running");
  const failed = await waitEvent(d, "idle", "probe.failed");
  const p = await waitHealth(d, "idle", "unhealthy");
  expect({
    details: { ...failed.details, latencyMs: 0 } as Record<string, unknown>,
    // The second check is one interval after the first.
    threshold: failed.at - (running.startedAt ?? 0) >= 100,
    samePid: p.pid === running.pid,
  }).toEqual({
    details: { probe: "readiness", ok: false, message: "connection refused", latencyMs: 0, failures: 2 },
    threshold: true,
    samePid: true,
  });
});

test("tcp timeout: a port whose accept queue is full never answers; each check fails at its timeout and its connection attempt is dropped", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.stuck]
command = ["${FIXTURES}/tcp-full-backlog.py", "${port}"]
readiness = { type = "tcp", port = ${port}, interval = "100ms", timeout = "200ms", failure_threshold = 1 }
`).start();
  // Until the fixture has filled its queue a check may be refused; then every one times out.
  const p = await waitFor("a timed-out tcp check", async () => {
    const s = await d.process("stuck");
    if (s.lastProbe?.message !== "timed out after 200ms")
      throw new Error(`last probe ${JSON.stringify(s.lastProbe)}`);
    return s;
  });
  await waitFor(
    "six timed-out checks in a row",
    async () => ((await d.process("stuck")).probes[0]?.failures ?? 0) >= 6,
  );
  expect({
    health: p.health,
    ok: p.lastProbe?.ok,
    slowEnough: (p.lastProbe?.latencyMs ?? 0) >= 200,
    // Timed-out attempts are abandoned, not left in SYN-SENT: at most the one in flight and
    // one stale attempt of the fast connect (six or more would be one per check).
    pendingConnects: synSentTo(d.proc?.pid as number, port) <= 2,
  }).toEqual({ health: "unhealthy", ok: false, slowEnough: true, pendingConnects: true });
});
