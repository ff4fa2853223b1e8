import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { killAll } from "../helpers/pids.ts";
import { waitFor } from "../helpers/wait.ts";

const BURST = 300; // lines of ~100 bytes: several rotations at 8 KiB per burst
const PAD = "x".repeat(71);

// `tend logs -f` as a running process whose output the test reads as it comes.
function follower(d: TestDaemon, ...args: string[]) {
  const p = Bun.spawn([...TEND_CMD, "logs", "-f", ...args], {
    env: d.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const seen = { text: "" };
  void (async () => {
    for await (const chunk of p.stdout) seen.text += new TextDecoder().decode(chunk);
  })();
  return {
    proc: p,
    lines: () => seen.text.split("\n").slice(0, -1),
    [Symbol.dispose]: () => killAll([p.pid]),
  };
}

const burstLines = (pid: number, k: number) => [
  ...Array.from({ length: BURST }, (_, i) => `burst ${pid} ${k} ${i + 1} ${PAD}`),
  `burst ${pid} ${k} done`,
];

test("tend logs -f keeps following through rotations and a restart, each line once", async () => {
  await using d = await new TestDaemon(
    [
      "[processes.burst]",
      `command = ["${FIXTURES}/burst-on-usr1.sh", "${BURST}"]`,
      'log_max_size = "8KiB"',
      "log_keep = 100",
      "",
    ].join("\n"),
  ).start();
  const first = await d.waitState("burst", "running");
  await waitFor("the first ready line", () => d.log("burst") === `ready ${first.pid}\n`);

  using f = follower(d, "burst");
  // The last lines come first, so the follower's first output is the ready line.
  await waitFor("the follower's first output", () => f.lines()[0] === `ready ${first.pid}`);

  process.kill(first.pid as number, "SIGUSR1");
  const rotated = () => readdirSync(d.logDir).filter((n) => /^burst\.out\.log\.\d+$/.test(n)).length;
  await waitFor("the first burst to reach the follower", () =>
    f.lines().includes(`burst ${first.pid} 1 done`),
  );
  expect(rotated()).toBeGreaterThanOrEqual(3);

  expect((await d.cli("restart", "burst")).code).toBe(0);
  const second = await waitFor("burst to run again", async () => {
    const p = await d.process("burst");
    return p.state === "running" && p.pid !== first.pid ? p : null;
  });
  await waitFor("the new run's ready line at the follower", () => f.lines().includes(`ready ${second.pid}`));
  const before = rotated();
  process.kill(second.pid as number, "SIGUSR1");
  await waitFor("the second run's burst to reach the follower", () =>
    f.lines().includes(`burst ${second.pid} 1 done`),
  );
  expect(rotated()).toBeGreaterThan(before);

  expect(f.lines()).toEqual([
    `ready ${first.pid}`,
    ...burstLines(first.pid as number, 1),
    `ready ${second.pid}`,
    ...burstLines(second.pid as number, 1),
  ]);
}, 30_000);
