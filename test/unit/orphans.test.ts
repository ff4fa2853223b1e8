import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, REPO } from "../helpers/daemon.ts";
import { killAll, pidsWithEnv } from "../helpers/pids.ts";

// orphansOf() needs a child subreaper, so the test runs one: a Bun process that becomes one,
// starts a "leader" that leaves a marked child behind and exits, and reports what orphansOf finds.
const TEST_ID = `TEND_TEST_ID=orphans-${process.pid}`;
const SCRIPT = `
import { becomeSubreaper } from ${JSON.stringify(join(REPO, "src/proc/libc.ts"))};
import { readStat } from ${JSON.stringify(join(REPO, "src/proc/proc-fs.ts"))};
import { orphansOf } from ${JSON.stringify(join(REPO, "src/proc/tree.ts"))};
if (!becomeSubreaper()) throw new Error("not a subreaper");
const leader = Bun.spawn(["sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!"], {
  env: { ...process.env, TEND_RUN: "7" },
  stdout: "pipe",
});
const orphan = Number((await new Response(leader.stdout).text()).trim());
await leader.exited;
// The kernel re-parents the orphan before the leader's exit is reported.
const ppid = readStat(orphan)?.ppid;
console.log(JSON.stringify({ orphan, ppid, self: process.pid, run7: orphansOf("TEND_RUN=7"), run8: orphansOf("TEND_RUN=8") }));
`;

afterAll(() => killAll(pidsWithEnv(TEST_ID)));

test("a run's orphans are found among the subreaper's children; another run's marker finds none", async () => {
  const p = Bun.spawn([BUN, "-e", SCRIPT], {
    env: { ...process.env, [TEST_ID.split("=")[0] as string]: TEST_ID.split("=")[1] },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  const seen = JSON.parse(out || "null") as {
    orphan: number;
    ppid: number;
    self: number;
    run7: number[];
    run8: number[];
  } | null;
  expect(seen, `the script's report; stderr: ${err}`).not.toBeNull();
  const r = seen as NonNullable<typeof seen>;
  expect({ ppid: r.ppid, run7: r.run7, run8: r.run8 }).toEqual({ ppid: r.self, run7: [r.orphan], run8: [] });
});
