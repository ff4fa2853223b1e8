import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SupervisorInfo } from "../../src/domain/shapes.ts";
import type { EventRecord } from "../../src/domain/types.ts";
import { TestDaemon } from "../helpers/daemon.ts";
import { isRoot, mountTmpfs } from "../helpers/tmpfs.ts";
import { waitFor } from "../helpers/wait.ts";

// The state directory is a 4 MiB tmpfs filled to the last byte while tend runs, so its SQLite
// store answers SQLITE_FULL for real. Root only (mount); CI runs as root.

const storeOf = async (d: TestDaemon) => (await d.json<SupervisorInfo>("GET", "/v1/health")).store;

// Regression: a failed write while handling an exit left the unit `running` with no pid and no
// timer, never restarted.
test.skipIf(!isRoot)(
  "with a full store a crash loop goes on restarting; what waited is written later",
  async () => {
    await using d = new TestDaemon(`[processes.loop]
command = ["sh", "-c", "exit 1"]
backoff = { initial = "50ms", max = "50ms", jitter = 0 }
`);
    using disk = mountTmpfs(join(d.dir.path, "state"), 4 * 1024 * 1024);
    await d.start();
    await waitFor("a first restart", async () => (await d.process("loop")).restarts >= 1);
    disk.fill();
    const failing = await waitFor("the store to refuse a write while loop goes on", async () => {
      const [s, p] = [await storeOf(d), await d.process("loop")];
      if (!(s?.pendingWrites > 0))
        throw new Error(
          `store ${JSON.stringify(s)}; loop ${p.state} (${p.reason}), pid ${p.pid}, ${p.restarts} restarts`,
        );
      return s;
    });
    const before = (await d.process("loop")).restarts;
    await waitFor("five more restarts while the store is full", async () => {
      const p = await d.process("loop");
      if (p.restarts < before + 5) throw new Error(`${p.restarts} restarts, ${p.state} (${p.reason})`);
      return true;
    });
    const status = await d.cli("status", "loop");
    disk.free();
    const after = await waitFor("the waiting records to be written", async () => {
      const s = await storeOf(d);
      return s.pendingWrites === 0 ? s : null;
    });
    await d.cli("stop", "loop");
    const runs = await d.history("loop");
    const types = (await d.json<EventRecord[]>("GET", "/v1/events?type=supervisor&events=100")).map(
      (e) => e.type,
    );
    expect({
      error: failing.error?.includes("full"),
      status: /^store: +\d+ records wait to be written to the store \(.*full/m.test(status.stdout),
      runsStored: runs.length >= before + 5,
      openRuns: runs.filter((r) => r.endedAt === null).length,
      ids: runs.every((r, i) => i === 0 || (runs[i - 1]?.id ?? 0) > r.id),
      after,
      types: types.filter((t) => t.startsWith("supervisor.store")),
    }).toEqual({
      error: true,
      status: true,
      runsStored: true,
      openRuns: 0,
      ids: true,
      after: { pendingWrites: 0, droppedEvents: 0, error: null, failingSince: null },
      types: ["supervisor.store_failed", "supervisor.store_recovered"],
    });
  },
  30_000,
);

// Regression: the dependency coordinator heard of changes through stored events; a failed write
// stopped the event before it reached it, and a dependent waited forever.
test.skipIf(!isRoot)(
  "with a full store a dependent still starts once its dependency is healthy",
  async () => {
    await using d = new TestDaemon("");
    const flag = join(d.dir.path, "ready");
    writeFileSync(
      d.configPath,
      `${Bun.file(d.configPath).size ? await Bun.file(d.configPath).text() : ""}
[processes.dep]
command = ["sleep", "100000"]
readiness = { type = "exec", command = ["test", "-e", "${flag}"], interval = "100ms" }

[processes.app]
command = ["sleep", "100000"]
depends_on = { dep = "healthy" }
`,
    );
    using disk = mountTmpfs(join(d.dir.path, "state"), 4 * 1024 * 1024);
    await d.start();
    await d.waitState("app", "waiting");
    disk.fill();
    // Each signal is one event to write: go on until the store refuses one.
    await waitFor("the store to refuse a write", async () => {
      await d.cli("signal", "dep", "SIGWINCH");
      return (await storeOf(d)).pendingWrites > 0;
    });
    writeFileSync(flag, "");
    const app = await d.waitState("app", "running");
    const dep = await d.process("dep");
    expect({
      flag: existsSync(flag),
      dep: [dep.state, dep.health],
      app: [app.state, app.pid !== null],
    }).toEqual({
      flag: true,
      dep: ["running", "healthy"],
      app: ["running", true],
    });
    disk.free();
  },
  30_000,
);
