import { describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";
import { expectMode, killEscaped, MODES, pidFrom, requireCgroups, runCgroup } from "./modes.ts";

const COUNT = 20;
const names = Array.from({ length: COUNT }, (_, i) => `run${i}`);

for (const { mode, supervisor } of MODES) {
  describe(`${mode} mode`, () => {
    test(`kill -9 of the supervisor with ${COUNT} runs, then tend up: each old run found and stopped once`, async () => {
      requireCgroups(mode);
      await using d = new TestDaemon("", supervisor);
      const pidFile = (name: string) => join(d.dir.path, `${name}.pid`);
      d.appendConfig(
        names
          .map(
            (n) =>
              `\n[processes.${n}]\ncommand = ["${FIXTURES}/escape-env.sh", "${pidFile(n)}"]\nstop_timeout = "2s"\n`,
          )
          .join(""),
      );
      await d.start();
      await expectMode(d, mode);
      const leaders = new Map<string, ProcId>();
      const grandchildren = new Map<string, ProcId>();
      const cgroups = new Map<string, string>();
      try {
        for (const n of names) {
          await d.waitState(n, "running");
          grandchildren.set(n, await pidFrom(pidFile(n)));
          leaders.set(n, procId((await d.process(n)).pid as number) as ProcId);
          if (mode === "cgroup") cgroups.set(n, await runCgroup(d, n));
        }
        // Each leader has printed its last line (one still writing to the dead supervisor's pipe
        // would die of SIGPIPE, which is not what this test is about).
        for (const n of names) await waitFor(`${n} to print ready`, () => /^ready \d+$/m.test(d.log(n)));
        d.proc?.kill("SIGKILL");
        await d.proc?.exited;
        const all = [...leaders.values(), ...grandchildren.values()];
        expect(all.filter(stillAlive).length, "every process to outlive the supervisor's kill -9").toBe(
          all.length,
        );
        for (const n of names) rmSync(pidFile(n));

        await d.startAgain(); // answers once recovery is done
        const events = await d.json<EventRecord[]>("GET", "/v1/events?type=process.orphan_stopped");
        const runIds = events.map((e) => (e.details as { runId: number }).runId);
        expect(new Set(runIds).size, `one orphan_stopped per old run, none twice: ${runIds}`).toBe(
          runIds.length,
        );
        expect(events.map((e) => e.process).sort(), "every old run stopped").toEqual([...names].sort());
        for (const e of events)
          expect((e.details as { wasAlive: boolean }).wasAlive, `${e.process} found`).toBe(true);
        for (const n of names) {
          expect(stillAlive(leaders.get(n) as ProcId), `${n}: the old leader to be stopped`).toBe(false);
          const g = grandchildren.get(n) as ProcId;
          if (mode === "cgroup") {
            expect(stillAlive(g), `${n}: the escaped grandchild to be found through its cgroup`).toBe(false);
            const cg = cgroups.get(n) as string;
            expect(existsSync(cg), `${n}: the old run's empty cgroup ${cg} to be gone`).toBe(false);
          } else {
            // The fallback's limit: after a crash too, nothing leads to it.
            expect(stillAlive(g), `fallback: ${n}'s escaped grandchild outlives the recovery`).toBe(true);
          }
        }
        // Each process then runs again, once, in a cgroup of its own.
        for (const n of names) await d.waitState(n, "running");
        if (mode === "cgroup") {
          const fresh = await Promise.all(names.map((n) => runCgroup(d, n)));
          expect(new Set(fresh).size).toBe(COUNT);
          for (const cg of fresh) expect([...cgroups.values()]).not.toContain(cg);
        }
      } finally {
        killEscaped([...grandchildren.values()]);
        // The new runs' grandchildren too: each writes its pid before its run counts as ready.
        for (const n of names) {
          const fresh = await pidFrom(pidFile(n)).catch(() => null);
          if (fresh) killEscaped([fresh]);
        }
      }
    });
  });
}
