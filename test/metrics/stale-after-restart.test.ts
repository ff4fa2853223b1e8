import { expect, test } from "bun:test";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// Regression: after a restart, ps, status and /metrics showed the previous run's cpu, memory,
// fds and threads until the next sample (a minute away here), and the old run's health while
// it was being stopped.
test("nothing of an old run is shown as the new run's: samples and health belong to their run", async () => {
  await using d = await new TestDaemon(
    `[processes.svc]
command = ["${FIXTURES}/ignore-sigterm.sh"]
stop_timeout = "2s"
readiness = { type = "exec", command = ["true"], interval = "1m" }
`,
    `metrics_interval = "1m"`,
  );
  await d.start();
  const first = await waitFor("the first run sampled and healthy", async () => {
    const p = await d.process("svc");
    return p.memory !== null && p.health === "healthy" ? p : null;
  });
  const restarting = d.api("POST", "/v1/processes/svc/restart");
  const stopping = await waitFor("the restart stopping the old run", async () => {
    const p = await d.process("svc");
    return p.state === "stopping" ? p : null;
  });
  expect((await restarting).status).toBe(200);
  const after = await d.process<ProcessDetail>("svc");
  const metrics = await (await d.api("GET", "/metrics")).text();
  expect({
    stoppingHealth: stopping.health,
    newRun: after.pid !== first.pid && after.pid !== null,
    usage: [after.cpu, after.memory, after.fds, after.threads],
    series: metrics
      .split("\n")
      .filter((l) => /^tend_process_(resident_memory|cpu|open_fds|threads)[^{]*\{process="svc"/.test(l)),
  }).toEqual({ stoppingHealth: "unknown", newRun: true, usage: [null, null, null, null], series: [] });
}, 20_000);
