import { describe, expect, test } from "bun:test";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord, RunRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";
import { expectMode, killEscaped, lineCount, MODES, pidFrom, requireCgroups } from "./modes.ts";

for (const { mode, supervisor } of MODES) {
  describe(`${mode} mode`, () => {
    test('type = "forking": running in its main process, signalled there, its exit ends the run', async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = join(d.dir.path, "daemon.pid");
      writeFileSync(
        d.configPath,
        `${await Bun.file(d.configPath).text()}
[processes.svc]
command = ["${FIXTURES}/daemonize.sh", "${pidFile}"]
type = "forking"
pid_file = "${pidFile}"
restart = "always"
backoff = { initial = "0s" }
stop_timeout = "2s"
`,
      );
      await d.start();
      await expectMode(d, mode);
      const mains: ProcId[] = [];
      try {
        const main = await pidFrom(pidFile);
        mains.push(main);
        const svc = await waitFor("svc to run in its main process", async () => {
          const p = await d.process("svc");
          return p.state === "running" && p.pid === main.pid ? p : null;
        });
        const forked = await d.json<EventRecord[]>("GET", "/v1/events?type=run.forked");
        expect(forked.map((e) => (e.details as { pid: number }).pid)).toEqual([main.pid]);

        expect((await d.cli("signal", "svc", "USR1")).code).toBe(0);
        await waitFor("the main process to get SIGUSR1", () => lineCount(`${pidFile}.usr1`) === 1);

        // Its exit ends the run, and the policy restarts it.
        rmSync(pidFile);
        process.kill(main.pid, "SIGKILL");
        const next = await pidFrom(pidFile);
        mains.push(next);
        await waitFor("a new run in a new main process", async () => {
          const p = await d.process("svc");
          return p.state === "running" && p.pid === next.pid && p.pid !== svc.pid;
        });
        const runs = (await d.history("svc")).sort((a: RunRecord, b: RunRecord) => a.id - b.id);
        expect([runs[0]?.pid, runs[0]?.signal], `the first run: ${JSON.stringify(runs[0])}`).toEqual([
          main.pid,
          "SIGKILL",
        ]);

        expect((await d.cli("stop", "svc")).code).toBe(0);
        expect(stillAlive(next), "the main process to be stopped").toBe(false);
      } finally {
        killEscaped(mains);
      }
    });

    test("without type = forking, a command that daemonizes ends its run, and what it left is stopped", async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = join(d.dir.path, "daemon.pid");
      writeFileSync(
        d.configPath,
        `${await Bun.file(d.configPath).text()}
[processes.svc]
command = ["${FIXTURES}/daemonize.sh", "${pidFile}"]
restart = "never"
stop_timeout = "2s"
`,
      );
      await d.start();
      await expectMode(d, mode);
      const left: ProcId[] = [];
      try {
        left.push(await pidFrom(pidFile));
        await d.waitState("svc", "exited");
        expect(stillAlive(left[0] as ProcId), "the daemon it left to be stopped with the run").toBe(false);
        expect(existsSync(pidFile)).toBe(true);
      } finally {
        killEscaped(left);
      }
    });
  });
}
