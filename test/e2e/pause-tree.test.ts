import { expect, test } from "bun:test";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { readStat } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

// Regression: pause sent SIGSTOP to the process group only, so a descendant that called
// setsid kept running while the process showed `paused`. Without cgroups (forced here; with
// them a pause is cgroup.freeze: test/cgroups/).
test("pause stops every member of the tree, including one that left the group; resume continues it", async () => {
  await using d = await new TestDaemon(
    `[processes.tree]\ncommand = ["${FIXTURES}/ignore-sigterm.sh"]\nstop_timeout = "1s"\n`,
    'cgroups = "off"',
  ).start();
  const grandchild = await waitFor("the setsid grandchild's pid in the log", () => {
    const m = /grandchild (\d+)/.exec(d.log("tree"));
    return m ? Number(m[1]) : null;
  });
  expect(await d.cli("pause", "tree")).toMatchObject({ code: 0 });
  await waitFor(`grandchild ${grandchild} stopped (T)`, () => readStat(grandchild)?.state === "T");
  expect(await d.cli("resume", "tree")).toMatchObject({ code: 0 });
  await waitFor(`grandchild ${grandchild} running again`, () => {
    const s = readStat(grandchild)?.state;
    return s === "S" || s === "R";
  });
});
