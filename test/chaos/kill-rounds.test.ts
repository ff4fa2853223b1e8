import { expect, test } from "bun:test";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { reportFigures, size } from "./figures.ts";

// kill -9 of the supervisor at the worst moment, round after round: while runs' leftovers are
// being stopped (a setsid grandchild that ignores SIGTERM outlives each leaky leader). After
// every restart, no process has two live runs; after tend down nothing is left.
const LEAKY = (i: number) => `[processes.leaky${i}]
command = ["sh", "-c", "trap '' TERM; (setsid sleep 79${String(i).padStart(4, "0")} &); sleep 0.2; exit 1"]
restart = "always"
stop_timeout = "1s"
backoff = { initial = "100ms", max = "100ms", jitter = 0 }
`;
const STEADY = (i: number) => `[processes.steady${i}]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`;

test("kill -9 while leftovers are being stopped: never two copies, nothing left after tend down", async () => {
  const rounds = size(3, 20);
  const pairs = size(3, 25); // 6 processes in CI, 50 in the soak
  const config = Array.from({ length: pairs }, (_, i) => LEAKY(i) + STEADY(i)).join("\n");
  await using d = await new TestDaemon(config).start();
  const names = Array.from({ length: pairs }, (_, i) => [`leaky${i}`, `steady${i}`]).flat();
  let worst = 0;
  let worstSeen = "";
  const sample = () => {
    for (const n of names) {
      const runs = d.liveRuns(n);
      if (runs.size > worst) {
        worst = runs.size;
        worstSeen = `${n}: ${JSON.stringify(Object.fromEntries(runs))}`;
      }
    }
  };
  for (let round = 0; round < rounds; round++) {
    await waitFor(
      `round ${round}: a leaky process stopping its leftovers`,
      async () => {
        const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
        sample();
        return list.some((p) => p.reason === "leftovers");
      },
      { timeoutMs: 20_000 },
    );
    d.proc?.kill("SIGKILL");
    await d.proc?.exited;
    await d.startAgain();
    await waitFor(
      `round ${round}: every steady process running again`,
      async () => {
        const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
        sample();
        return list.filter((p) => p.name.startsWith("steady")).every((p) => p.state === "running");
      },
      { timeoutMs: 30_000 },
    );
  }
  expect((await d.cli("down")).code).toBe(0);
  await d.proc?.exited;
  const left = d.pids();
  reportFigures("kill -9 rounds", {
    rounds,
    processes: names.length,
    duplicates: worst > 1 ? worst - 1 : 0,
    leftovers: left.length,
  });
  expect({ worst, worstSeen: worst > 1 ? worstSeen : "", left }).toEqual({
    worst: 1,
    worstSeen: "",
    left: [],
  });
}, 300_000);
