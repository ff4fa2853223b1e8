import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { BUN, FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { waitHealth } from "../helpers/probe-waits.ts";
import { waitFor } from "../helpers/wait.ts";

interface Stamp {
  what: string;
  name: string;
  at: number;
}

function stamps(file: string): Stamp[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [what, name, at] = line.split(" ");
      return { what: what as string, name: name as string, at: Number(at) };
    });
}

// db (a TCP service that opens its port on SIGUSR1) → migrate (a task) → api (HTTP readiness)
// → worker. Declared in reverse order, so only the dependency rules can put them in order.
test("a chain of four starts in dependency order with one tend up and stops in reverse order with tend down", async () => {
  const dbPort = freePort();
  const apiPort = freePort();
  await using d = new TestDaemon("");
  const file = join(d.dir.path, "stamps");
  const chain = `
[processes.worker]
command = ["${FIXTURES}/stamp-then-sleep.sh", "${file}"]
depends_on = { api = "healthy" }

[processes.api]
command = ["${BUN}", "${FIXTURES}/http-health.ts", "${apiPort}"]
env = { STAMPS = "${file}" }
readiness = { type = "http", url = "http://127.0.0.1:${apiPort}/health", interval = "100ms" }
depends_on = { migrate = "succeeded" }

[processes.migrate]
command = ["${FIXTURES}/stamp-then-exit.sh", "${file}", "0"]
restart = "never"
depends_on = { db = "healthy" }

[processes.db]
command = ["${BUN}", "${FIXTURES}/tcp-listener.ts", "${dbPort}", "--after-usr1"]
env = { STAMPS = "${file}" }
readiness = { type = "tcp", port = ${dbPort}, interval = "100ms", failure_threshold = 100 }
`;
  await Bun.write(d.configPath, (await Bun.file(d.configPath).text()) + chain);
  await d.start();

  // While db replays its log, the others wait, each showing what for.
  const db = await d.waitState("db", "running");
  await waitFor("db to be replaying", () => d.log("db").includes("replaying"));
  const early = await d.json<{ name: string; state: string; waitingFor: string[] | null }[]>(
    "GET",
    "/v1/processes",
  );
  process.kill(db.pid as number, "SIGUSR1");
  await waitHealth(d, "worker", "healthy");
  const ps = await d.json<{ name: string; state: string; health: string }[]>("GET", "/v1/processes");
  const migrate = await d.process("migrate");
  const evs = await d.json<EventRecord[]>("GET", "/v1/events?events=1000");
  // Event ids are in the order things happened inside the supervisor.
  const idOf = (process: string, match: (e: EventRecord) => boolean) =>
    evs.find((e) => e.process === process && match(e))?.id ?? Number.NaN;
  const healthy = (e: EventRecord) => e.type === "health.changed" && e.details?.health === "healthy";
  const starting = (e: EventRecord) => e.type === "process.starting";
  const held = {
    migrateAfterDbHealthy: idOf("db", healthy) < idOf("migrate", starting),
    apiAfterMigrateSucceeded: idOf("migrate", (e) => e.type === "process.exited") < idOf("api", starting),
    workerAfterApiHealthy: idOf("api", healthy) < idOf("worker", starting),
  };

  const down = await d.cli("down");
  expect(await d.proc?.exited).toBe(0);
  const all = stamps(file);
  const starts = all.filter((s) => s.what !== "stop");
  const stops = all.filter((s) => s.what === "stop");
  const nonDecreasing = (xs: Stamp[]) => xs.every((s, i) => i === 0 || s.at >= (xs[i - 1] as Stamp).at);

  expect({
    early: early
      .filter((p) => p.name !== "db")
      .map((p) => `${p.name} ${p.state}${p.waitingFor ? ` for ${p.waitingFor.join(", ")}` : ""}`)
      .sort(),
    final: ps.map((p) => `${p.name} ${p.state} ${p.health}`).sort(),
    migrateExit: migrate.lastExit,
    held,
    starts: starts.map((s) => `${s.what} ${s.name}`),
    startTimesInOrder: nonDecreasing(starts),
    down: down.code,
    stops: stops.map((s) => s.name),
    stopTimesInOrder: nonDecreasing(stops),
    left: d.pids(),
  }).toEqual({
    early: [
      "api waiting for migrate succeeded",
      "migrate waiting for db healthy",
      "worker waiting for api healthy",
    ],
    final: ["api running healthy", "db running healthy", "migrate exited unknown", "worker running healthy"],
    migrateExit: { code: 0, signal: null },
    held: { migrateAfterDbHealthy: true, apiAfterMigrateSucceeded: true, workerAfterApiHealthy: true },
    starts: ["start db", "listening db", "start migrate", "start api", "start worker"],
    startTimesInOrder: true,
    down: 0,
    stops: ["worker", "api", "db"],
    stopTimesInOrder: true,
    left: [],
  });
  await waitFor("nothing left", () => d.pids().length === 0);
});
