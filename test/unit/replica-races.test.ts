import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReplicaSet } from "../../src/domain/shapes.ts";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";
import { waitFor } from "../helpers/wait.ts";

const web = (instances: number) => ({
  command: [`${FIXTURES}/ready-then-sleep.sh`],
  instances,
  stop_timeout: "2s",
});

const copies = (h: InProcess): ProcessSnapshot[] => h.supervisor.list().filter((p) => p.replicaOf === "web");

function rewrite(h: InProcess, processes: Record<string, unknown>): void {
  writeFileSync(
    join(h.dir.path, "tend.json"),
    JSON.stringify({
      supervisor: { socket: "run/tend.sock", state_dir: "state", log_dir: "logs" },
      processes,
    }),
  );
}

test("scales and a reload asked for at once are applied one at a time, in order: nothing runs that no unit holds", async () => {
  await using h = await InProcess.start({ web: web(3) });
  await waitFor("3 copies running", () => copies(h).filter((p) => p.state === "running").length === 3);
  rewrite(h, { web: web(4) });
  const [five, two, plan] = await Promise.all([
    h.supervisor.scale("web", 5),
    h.supervisor.scale("web", 2),
    h.supervisor.reload(false),
  ]);
  expect([five.instances, two.instances, plan.applied]).toEqual([5, 2, true]);
  // The reload came last and changed instances (3 → 4): the config wins over the scale.
  await waitFor("4 copies running", () => copies(h).filter((p) => p.state === "running").length === 4);
  expect(copies(h).map((p) => p.name)).toEqual(["web:0", "web:1", "web:2", "web:3"]);
  expect(
    h
      .liveOpenRuns()
      .map((r) => r.process)
      .sort(),
    "a live run for each unit, and no other",
  ).toEqual(["web:0", "web:1", "web:2", "web:3"]);
});

test("a replicated process's name cannot be taken by tend add, nor waited on as completed or succeeded", async () => {
  await using h = await InProcess.start({ web: web(2) });
  const taken = await h.request("POST", "/v1/processes", { name: "web", command: ["true"] });
  expect(taken).toMatchObject({ status: 409, body: { error: { code: "PROCESS_EXISTS" } } });
  const dep = await h.request("POST", "/v1/processes", {
    name: "job",
    command: ["true"],
    depends_on: { web: "succeeded" },
  });
  expect(dep.status).toBe(400);
  expect(JSON.stringify(dep.body)).toContain("web is replicated (instances)");
  expect(h.supervisor.list().map((p) => p.name)).toEqual(["web:0", "web:1"]);
});

test("a reload that removes a replicated process a run-time one depends on is refused; nothing changes", async () => {
  await using h = await InProcess.start({ web: web(2), other: { command: ["sleep", "1000"] } });
  await h.supervisor.add({ name: "rt", command: ["sleep", "1000"], depends_on: { web: "started" } });
  rewrite(h, { other: { command: ["sleep", "1000"] } });
  await expect(h.supervisor.reload(false)).rejects.toThrow(/removes web, which rt depends on/);
  expect(h.supervisor.list().map((p) => p.name)).toEqual(["web:0", "web:1", "other", "rt"]);
});

test("the history of a replicated process is its copies' runs; of one copy, its own", async () => {
  await using h = await InProcess.start({ web: web(2) });
  await waitFor("2 copies running", () => copies(h).filter((p) => p.state === "running").length === 2);
  await h.supervisor.restart("web:1");
  const all = h.supervisor.history("web");
  expect(all.map((r) => r.process).sort()).toEqual(["web:0", "web:1", "web:1"]);
  expect(h.supervisor.history("web:1").length).toBe(2);
  const set = h.supervisor.get("web") as ReplicaSet;
  expect([set.name, set.instances]).toEqual(["web", 2]);
});

test("names and counts a replicated process refuses: tend add with instances, an unknown copy, a bad scale", async () => {
  await using h = await InProcess.start({
    web: { ...web(2), port: 65_534 },
    one: { command: ["sleep", "1000"] },
  });
  const add = await h.request("POST", "/v1/processes", { name: "more", command: ["true"], instances: 2 });
  expect(add).toMatchObject({ status: 400 });
  expect(JSON.stringify(add.body)).toContain("instances is for the config file");
  // web:7 is a well-formed replica name that names nothing: not found, not a bad name.
  expect(await h.request("GET", "/v1/processes/web:7")).toMatchObject({
    status: 404,
    body: { error: { code: "PROCESS_NOT_FOUND" } },
  });
  const past = await h.request("POST", "/v1/processes/web/scale", { instances: 3 });
  expect(past.status).toBe(400);
  expect(JSON.stringify(past.body)).toContain("would go past port 65535");
  const plain = await h.request("POST", "/v1/processes/one/scale", { instances: 3 });
  expect(plain.status).toBe(400);
  expect(JSON.stringify(plain.body)).toContain("one is not replicated");
  expect(h.supervisor.list().map((p) => p.name)).toEqual(["web:0", "web:1", "one"]);
});

test("at a shutdown what depends on a replicated process stops before its copies, and they before what they depend on", async () => {
  await using h = await InProcess.start({
    cache: { command: ["sleep", "1000"] },
    web: { ...web(2), depends_on: { cache: "started" } },
    gateway: { command: ["sleep", "1000"], depends_on: { web: "started" } },
  });
  await waitFor("everything running", () => {
    const states = h.supervisor.list().map((p) => `${p.name} ${p.state}`);
    if (states.some((s) => !s.endsWith(" running"))) throw new Error(states.join(", "));
    return true;
  });
  await h.supervisor.shutdown();
  const exits = h.supervisor
    .events({ type: "run.exited" })
    .map((e) => e.process)
    .filter((p): p is string => p !== null);
  const at = (name: string) => exits.indexOf(name);
  expect({
    gatewayFirst: at("gateway") < Math.min(at("web:0"), at("web:1")),
    cacheLast: at("cache") > Math.max(at("web:0"), at("web:1")),
    exits: [...exits].sort(),
  }).toEqual({ gatewayFirst: true, cacheLast: true, exits: ["cache", "gateway", "web:0", "web:1"] });
});
