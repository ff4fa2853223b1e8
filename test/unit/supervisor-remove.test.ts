import { expect, test } from "bun:test";
import type { ProcessSpec } from "../../src/config/process-spec.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

// Regression: a start (or restart) that arrives while DELETE is stopping a run-time process
// waits for that stop, then spawns a new copy after the unit has left the supervisor's map.
// Nothing tracks that copy: `tend ps` does not show it and shutdown never stops it.
test.each(["start", "restart"] as const)(
  "a %s racing a remove never leaves an untracked process behind",
  async (action) => {
    await using h = await InProcess.start({});
    // restart = never: if the bug leaves a copy behind, killing it at clean-up must not make the
    // detached unit start yet another one.
    await h.supervisor.add({ name: "extra", command: [SLEEPER], restart: "never" });
    const removing = h.supervisor.remove("extra");
    const racing = h.supervisor[action]("extra").then(
      (snap) => `${"state" in snap ? snap.state : "replicas"}`,
      (err: Error) => `refused: ${err.message}`,
    );
    await Promise.all([removing, racing]);
    await h.supervisor.shutdown();
    expect({
      listed: h.supervisor.list().map((p) => p.name),
      stored: h.store.runtimeProcesses(),
      aliveAfterShutdown: h.liveOpenRuns(),
    }).toEqual({ listed: [], stored: [], aliveAfterShutdown: [] });
  },
);

test("shutdown stops every process, and a stopped supervisor refuses to start more", async () => {
  await using h = await InProcess.start({ a: { command: [SLEEPER] }, b: { command: [SLEEPER] } });
  await h.supervisor.add({ name: "c", command: [SLEEPER] });
  await h.supervisor.shutdown();
  const refused = await h.request("POST", "/v1/processes/a/start");
  expect({
    states: h.supervisor.list().map((p) => [p.name, p.state, p.pid]),
    alive: h.liveOpenRuns(),
    refused: [refused.status, (refused.body as { error: { code: string } }).error.code],
  }).toEqual({
    states: [
      ["a", "stopped", null],
      ["b", "stopped", null],
      ["c", "stopped", null],
    ],
    alive: [],
    refused: [503, "SHUTTING_DOWN"],
  });
});

// Regression: shutdown listed the units once, so a process removed just before it (its stop
// still under way, and slow: SIGTERM is ignored) was not waited for, and the supervisor could
// exit before the SIGKILL that would have ended it.
test("shutdown waits for a removal that is still stopping", async () => {
  await using h = await InProcess.start({});
  await h.supervisor.add({
    name: "stubborn",
    command: [`${FIXTURES}/ignore-sigterm.sh`],
    stop_timeout: "300ms",
  });
  const removing = h.supervisor.remove("stubborn");
  await h.supervisor.shutdown();
  const aliveWhenShutdownEnded = h.liveOpenRuns();
  await removing;
  expect(aliveWhenShutdownEnded).toEqual([]);
});

// Regression: a reload checks the file in a child process, which takes a moment. A shutdown that
// began meanwhile must win: the reload is refused and starts nothing.
test("a reload whose config check ends after shutdown began changes nothing", async () => {
  const checked = Promise.withResolvers<void>();
  let loads = 0;
  await using h = await InProcess.start(
    { a: { command: [SLEEPER] } },
    {
      loadConfig: async (path) => {
        loads++;
        await checked.promise;
        const { loadConfig } = await import("../../src/config/load.ts");
        const config = loadConfig(path, {});
        return {
          ...config,
          processes: [...config.processes, { ...(config.processes[0] as ProcessSpec), name: "b" }],
        };
      },
    },
  );
  const reloading = h.supervisor.reload(false).then(
    () => "applied",
    (err: Error) => err.message,
  );
  const stopping = h.supervisor.shutdown();
  checked.resolve();
  await stopping;
  expect({
    loads,
    reload: await reloading,
    listed: h.supervisor.list().map((p) => [p.name, p.state]),
    alive: h.liveOpenRuns(),
  }).toEqual({ loads: 1, reload: "the supervisor is shutting down", listed: [["a", "stopped"]], alive: [] });
});
