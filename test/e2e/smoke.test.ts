import { expect, test } from "bun:test";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

test("tend up runs a process and answers ps --json; down leaves nothing behind", async () => {
  await using d = await new TestDaemon(
    `[processes.sleeper]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  ).start();
  const ps = await waitFor("sleeper running", async () => {
    const r = await d.cli("ps", "--json");
    const list = JSON.parse(r.stdout) as { name: string; state: string; pid: number }[];
    return list.find((p) => p.name === "sleeper" && p.state === "running");
  });
  expect(ps.pid).toBeGreaterThan(0);
  const down = await d.cli("down");
  expect(down).toEqual({ code: 0, stdout: "supervisor stopped\n", stderr: "" });
  expect(await d.proc?.exited).toBe(0);
  expect(d.pids()).toEqual([]);
});
