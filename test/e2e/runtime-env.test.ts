import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// tend up re-executes itself once with the runtime's idle collections off (src/entry/
// runtime-env.ts): the same pid, the settings in the supervisor's own environment, and none of
// them in what it starts, except what the operator set.
const environ = (pid: number) =>
  readFileSync(`/proc/${pid}/environ`, "utf8")
    .split("\0")
    .filter((v) => /^(BUN_GC_TIMER_DISABLE|BUN_IDLE_GC_SECONDS|MIMALLOC_SCAVENGER|TEND_RUNTIME_ENV)=/.test(v))
    .sort();

async function started(d: TestDaemon): Promise<{ supervisor: number; child: number }> {
  await d.start();
  const health = await d.json<{ pid: number }>("GET", "/v1/health");
  let child = 0;
  await waitFor("the child to run", async () => {
    const p = await d.json<{ pid: number | null; state: string }>("GET", "/v1/processes/sleeper");
    child = p.state === "running" && p.pid ? p.pid : 0;
    return child > 0;
  });
  return { supervisor: health.pid, child };
}

test("the supervisor keeps its pid and runs with the settings; its children do not inherit them", async () => {
  await using d = new TestDaemon(`[processes.sleeper]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`);
  const { supervisor, child } = await started(d);
  expect({
    samePid: supervisor === d.proc?.pid,
    supervisor: environ(supervisor),
    child: environ(child),
  }).toEqual({
    samePid: true,
    supervisor: [
      "BUN_GC_TIMER_DISABLE=1",
      "BUN_IDLE_GC_SECONDS=0",
      "MIMALLOC_SCAVENGER=0",
      "TEND_RUNTIME_ENV=BUN_GC_TIMER_DISABLE,BUN_IDLE_GC_SECONDS,MIMALLOC_SCAVENGER",
    ],
    child: [],
  });
});

test("a setting the operator gave reaches the children as given", async () => {
  await using d = new TestDaemon(`[processes.sleeper]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`);
  d.upEnv = { BUN_IDLE_GC_SECONDS: "7" };
  const { supervisor, child } = await started(d);
  expect({ supervisor: environ(supervisor), child: environ(child) }).toEqual({
    supervisor: [
      "BUN_GC_TIMER_DISABLE=1",
      "BUN_IDLE_GC_SECONDS=7",
      "MIMALLOC_SCAVENGER=0",
      "TEND_RUNTIME_ENV=BUN_GC_TIMER_DISABLE,MIMALLOC_SCAVENGER",
    ],
    child: ["BUN_IDLE_GC_SECONDS=7"],
  });
});
