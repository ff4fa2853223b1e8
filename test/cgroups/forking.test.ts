import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord, RunRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { isAlive } from "../helpers/pids.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";
import { expectMode, killEscaped, lineCount, MODES, pidFrom, requireCgroups } from "./modes.ts";

for (const { mode, supervisor } of MODES) {
  describe(`${mode} mode`, () => {
    test('type = "forking": running in its main process, signalled there, its exit ends the run', async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = join(d.dir.path, "daemon.pid");
      d.appendConfig(`
[processes.svc]
command = ["${FIXTURES}/daemonize.sh", "${pidFile}"]
type = "forking"
pid_file = "${pidFile}"
restart = "always"
backoff = { initial = "0s" }
stop_timeout = "2s"
`);
      await d.start();
      await expectMode(d, mode);
      const mains: ProcId[] = [];
      try {
        const main = await pidFrom(pidFile);
        mains.push(main);
        await waitFor("svc to run in its main process", async () => {
          const p = await d.process("svc");
          return p.state === "running" && p.pid === main.pid ? p : null;
        });
        const forked = await d.json<EventRecord[]>("GET", "/v1/events?type=run.forked");
        expect(forked.map((e) => (e.details as { pid: number }).pid)).toEqual([main.pid]);

        expect((await d.cli("signal", "svc", "USR1")).code).toBe(0);
        await waitFor("the main process to get SIGUSR1", () => lineCount(`${pidFile}.usr1`) === 1);

        // Its exit ends the run, and the policy restarts it. The pid file still names the dead
        // process until the new daemon writes it: that stale pid is never adopted.
        process.kill(main.pid, "SIGKILL");
        const next = await waitFor("the new daemon's pid in the pid file", async () => {
          const p = await pidFrom(pidFile);
          return p.pid !== main.pid ? p : null;
        });
        mains.push(next);
        // The new run's command shows as its pid until it exits; then the daemon is its main.
        await waitFor("a new run in the new main process", async () => {
          const p = await d.process("svc");
          if (p.state !== "running" || p.pid !== next.pid)
            throw new Error(`${p.state}, pid ${p.pid} (the pid file names ${next.pid})`);
          return p;
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

    test("a stale pid file naming an older process is not taken for the main process", async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = join(d.dir.path, "daemon.pid");
      // A process that is not the service's, started before it: the pid file names it at first.
      const bystander = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
      const mains: ProcId[] = [];
      try {
        writeFileSync(pidFile, `${bystander.pid}\n`);
        writeFileSync(
          join(d.dir.path, "slow-daemonize.sh"),
          // Exits 0 at once, before the daemon (started a moment later) rewrites the pid file.
          `#!/bin/sh\n(sleep 0.2; exec setsid "${FIXTURES}/daemon-body.sh" "$1") &\nexit 0\n`,
          { mode: 0o755 },
        );
        d.appendConfig(`
[processes.svc]
command = ["${join(d.dir.path, "slow-daemonize.sh")}", "${pidFile}"]
type = "forking"
pid_file = "${pidFile}"
stop_timeout = "2s"
`);
        await d.start();
        await expectMode(d, mode);
        const p = await waitFor("svc running in a main process of its own", async () => {
          const p = await d.process("svc");
          return p.state === "running" && p.pid !== null && p.pid !== bystander.pid ? p : null;
        });
        const main = await pidFrom(pidFile);
        mains.push(main);
        expect(p.pid).toBe(main.pid);
        expect((await d.cli("stop", "svc")).code).toBe(0);
        expect(bystander.exitCode === null && bystander.signalCode === null, "the bystander untouched").toBe(
          true,
        );
        expect(stillAlive(main), "the service's own main process stopped").toBe(false);
      } finally {
        bystander.kill("SIGKILL");
        killEscaped(mains);
      }
    });

    test("without type = forking, a command that daemonizes ends its run, and what it left is stopped", async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = join(d.dir.path, "daemon.pid");
      d.appendConfig(`
[processes.svc]
command = ["${FIXTURES}/daemonize.sh", "${pidFile}"]
restart = "never"
stop_timeout = "2s"
`);
      await d.start();
      await expectMode(d, mode);
      const left: ProcId[] = [];
      try {
        // The command exits once the daemon has written its pid; the daemon may be gone by the
        // time the test reads it, so the pid is read as written, not as a live process.
        await d.waitState("svc", "exited");
        expect(existsSync(pidFile), "the daemon wrote its pid before the command exited").toBe(true);
        const pid = Number((await Bun.file(pidFile).text()).trim());
        const alive = procId(pid);
        if (alive) left.push(alive);
        expect(isAlive(pid), "the daemon it left to be stopped with the run").toBe(false);
      } finally {
        killEscaped(left);
      }
    });
  });
}
