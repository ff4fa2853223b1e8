import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { isRoot } from "../helpers/tmpfs.ts";
import { waitFor } from "../helpers/wait.ts";

const eventsOf = (d: TestDaemon, type: string) => d.json<EventRecord[]>("GET", `/v1/events?type=${type}`);

// Regression: a stored run-time process that no longer parsed vanished at start, without a word.
test("a stored run-time process that cannot be read is reported, and stays stored", async () => {
  await using d = await new TestDaemon("").start();
  const added = await d.api("POST", "/v1/processes", { name: "kept", command: ["sleep", "100000"] });
  expect(added.status).toBe(201);
  expect((await d.cli("down")).code).toBe(0);
  await d.proc?.exited;
  const dbPath = join(d.dir.path, "state", "tend.db");
  const db = new Database(dbPath);
  db.run(`UPDATE runtime_processes SET spec = '{"command": 5}' WHERE name = 'kept'`);
  db.close();
  await d.startAgain();
  const events = await eventsOf(d, "supervisor.runtime_process_unreadable");
  const listed = (await d.api("GET", "/v1/processes/kept")).status;
  const stored = new Database(dbPath, { readonly: true });
  const row = stored.query("SELECT name FROM runtime_processes").all();
  stored.close();
  expect({
    events: events.map((e) => [e.process, String(e.details?.error).includes("command")]),
    logged: d.stderr.includes("kept cannot be read"),
    listed,
    row,
  }).toEqual({ events: [["kept", true]], logged: true, listed: 404, row: [{ name: "kept" }] });
});

// A cgroup v1 freezer holds a process with a SIGKILL pending until it is thawed: a real process
// that survives tend's SIGKILL.
const FREEZER = "/sys/fs/cgroup/freezer";
const canFreeze = isRoot && existsSync(join(FREEZER, "tasks"));

// Regression: a clean-up of a run's leftovers that failed was ignored, and the next copy started
// beside what survived.
test.skipIf(!canFreeze)(
  "leftovers that survive SIGKILL fail the process instead of starting a second copy",
  async () => {
    const cg = join(FREEZER, `tend-test-${process.pid}-${Date.now()}`);
    let grandchild: ProcId | null = null;
    await using d = await new TestDaemon(`[processes.leaky]
command = ["${FIXTURES}/exit-on-usr1-leaving-grandchild.sh"]
restart = "always"
stop_timeout = "1s"
backoff = { initial = "10ms", jitter = 0 }
`).start();
    try {
      grandchild = await waitFor("the grandchild", () => {
        const pid = Number(/^grandchild (\d+)$/m.exec(d.log("leaky"))?.[1]);
        return pid ? procId(pid) : null;
      });
      mkdirSync(cg);
      writeFileSync(join(cg, "tasks"), String(grandchild.pid));
      writeFileSync(join(cg, "freezer.state"), "FROZEN");
      expect((await d.cli("signal", "leaky", "SIGUSR1")).code).toBe(0);
      const failed = await d.waitState("leaky", "failed", 20_000);
      const runs = await d.history("leaky");
      expect({
        reason: failed.reason,
        error: failed.lastError?.includes(String(grandchild.pid)),
        runs: runs.map((r) => [r.exitCode, r.reason, r.endedAt !== null]),
        alive: stillAlive(grandchild),
      }).toEqual({ reason: "survivors", error: true, runs: [[1, "crashed", true]], alive: true });
    } finally {
      if (existsSync(cg)) {
        writeFileSync(join(cg, "freezer.state"), "THAWED");
        if (grandchild) {
          const gc = grandchild;
          await waitFor("the thawed grandchild to die of its pending SIGKILL", () => !stillAlive(gc));
        }
        rmdirSync(cg);
      }
    }
  },
  30_000,
);

// Regression: a failed log rotation let the file grow without bound, silently.
test("a log rotation that fails is an event, and the file stops at twice log_max_size", async () => {
  await using d = new TestDaemon(`[processes.chatty]
command = ["${FIXTURES}/numbered-lines.sh", "2000"]
restart = "never"
log_max_size = "4KiB"
log_keep = 1
`);
  // NAME.out.log.1 as a directory with a file in it: renaming the log onto it fails.
  mkdirSync(join(d.logDir, "chatty.out.log.1"), { recursive: true });
  writeFileSync(join(d.logDir, "chatty.out.log.1", "in-the-way"), "");
  await d.start();
  await d.waitState("chatty", "exited");
  const failed = await waitFor("logs.rotation_failed", async () => {
    const list = await eventsOf(d, "logs.rotation_failed");
    return list.length ? list : null;
  });
  const dropped = await waitFor("logs.dropped", async () => {
    const list = await eventsOf(d, "logs.dropped");
    return list.length ? list : null;
  });
  const size = statSync(join(d.logDir, "chatty.out.log")).size;
  expect({
    failed: failed.map((e) => [e.process, String(e.details?.path).endsWith("chatty.out.log")]),
    dropped: dropped.every((e) => e.process === "chatty" && Number(e.details?.lines) > 0),
    bounded: size <= 2 * 4096 + 100,
    err: statSync(join(d.logDir, "chatty.err.log")).size > 2 * 4096 ? "rotated" : "small",
  }).toEqual({ failed: [["chatty", true]], dropped: true, bounded: true, err: "small" });
});
