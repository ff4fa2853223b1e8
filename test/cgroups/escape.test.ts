import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eventsOf, procsOf } from "../helpers/cgroups.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";
import { expectMode, killEscaped, lineCount, MODES, pidFrom, requireCgroups, runCgroup } from "./modes.ts";

const escaper = (pidFile: string) => `[processes.esc]
command = ["${FIXTURES}/escape-env.sh", "${pidFile}"]
stop_timeout = "2s"
`;

for (const { mode, supervisor } of MODES) {
  describe(`${mode} mode`, () => {
    test("a grandchild that double-forks, calls setsid and clears its environment: tend stop, then tend down", async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = join(d.dir.path, "grandchild.pid");
      d.appendConfig(`${escaper(pidFile)}`);
      await d.start();
      await expectMode(d, mode);
      const escaped: ProcId[] = [];
      try {
        // tend stop
        await d.waitState("esc", "running");
        const first = await pidFrom(pidFile);
        escaped.push(first);
        const cg = mode === "cgroup" ? await runCgroup(d, "esc") : null;
        if (cg) expect(procsOf(cg), "the grandchild to be in the run's cgroup").toContain(first.pid);
        const leader = procId((await d.process("esc")).pid as number) as ProcId;
        const stop = await d.cli("stop", "esc");
        expect(stop.code, `tend stop: ${stop.stderr}`).toBe(0);
        expect(stillAlive(leader), "the leader to be gone after tend stop").toBe(false);
        if (mode === "cgroup") {
          expect(stillAlive(first), "the escaped grandchild to be gone once tend stop returns").toBe(false);
          expect(existsSync(cg as string), `the empty run cgroup ${cg} to be removed`).toBe(false);
        } else {
          // The fallback's limit: neither the tree nor the marker leads to it.
          expect(stillAlive(first), "fallback: the escaped grandchild outlives tend stop").toBe(true);
        }

        // tend down
        rmSync(pidFile);
        expect((await d.cli("start", "esc")).code).toBe(0);
        await d.waitState("esc", "running");
        const second = await pidFrom(pidFile);
        escaped.push(second);
        const cg2 = mode === "cgroup" ? await runCgroup(d, "esc") : null;
        const down = await d.cli("down");
        expect(down.code, `tend down: ${down.stderr}`).toBe(0);
        await waitFor("tend up to exit after tend down", () => d.proc?.exitCode !== null);
        if (mode === "cgroup") {
          expect(stillAlive(second), "the escaped grandchild to be gone after tend down").toBe(false);
          expect(existsSync(cg2 as string), `the run cgroup ${cg2} to be removed`).toBe(false);
        } else {
          expect(stillAlive(second), "fallback: the escaped grandchild outlives tend down").toBe(true);
        }
      } finally {
        killEscaped(escaped);
      }
    });

    test("tend pause of a tree that forks continuously, beside one that is not paused", async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const forks = join(d.dir.path, "paused.forks");
      const control = join(d.dir.path, "control.forks");
      d.appendConfig(`
[processes.storm]
command = ["${FIXTURES}/fork-storm.sh", "${forks}"]
stop_timeout = "2s"

[processes.control]
command = ["${FIXTURES}/fork-storm.sh", "${control}"]
stop_timeout = "2s"
`);
      await d.start();
      await expectMode(d, mode);
      const storms: ProcId[] = [];
      try {
        storms.push(await pidFrom(`${forks}.storm`), await pidFrom(`${control}.storm`));
        await waitFor("both trees to have forked", () => lineCount(forks) >= 5 && lineCount(control) >= 5);
        const paused = await d.cli("pause", "storm");
        expect(paused.code, `tend pause: ${paused.stderr}`).toBe(0);
        const cg = mode === "cgroup" ? await runCgroup(d, "storm") : null;
        if (cg) await waitFor(`cgroup.events of ${cg} to say frozen 1`, () => eventsOf(cg).frozen);
        const pidsAtPause = cg ? procsOf(cg).sort() : [];
        const forksAtPause = lineCount(forks);
        // The unpaused tree's forks measure out the time in which the paused one would have forked.
        const target = lineCount(control) + 50;
        await waitFor(`the unpaused tree to fork 50 more times`, () => lineCount(control) >= target);
        if (mode === "cgroup") {
          expect(procsOf(cg as string).sort(), "the frozen tree's pids to be unchanged").toEqual(pidsAtPause);
          expect(lineCount(forks), "no fork in the frozen tree").toBe(forksAtPause);
        } else {
          // The fallback's limit: SIGSTOP reaches what the tree and the marker find, not this.
          expect(lineCount(forks), "fallback: the escaped storm goes on forking").toBeGreaterThan(
            forksAtPause,
          );
        }
        const resumed = await d.cli("resume", "storm");
        expect(resumed.code, `tend resume: ${resumed.stderr}`).toBe(0);
        if (cg) await waitFor(`${cg} to thaw`, () => !eventsOf(cg).frozen);
        const afterResume = lineCount(forks);
        await waitFor("the resumed tree to fork again", () => lineCount(forks) > afterResume);
      } finally {
        killEscaped(storms);
      }
    });
  });
}
