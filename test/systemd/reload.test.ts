import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReloadPlan } from "../../src/domain/shapes.ts";
import type { EventRecord, ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { isAlive } from "../helpers/pids.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = JSON.stringify(join(FIXTURES, "ready-then-sleep.sh"));
const proc = (name: string, extra = "") => `[processes.${name}]\ncommand = [${SLEEPER}]\n${extra}`;

async function pidsByName(d: TestDaemon): Promise<Record<string, number | null>> {
  const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
  return Object.fromEntries(list.map((p) => [p.name, p.pid]));
}

async function allRunning(d: TestDaemon, names: string[]): Promise<Record<string, number | null>> {
  return waitFor(`${names.join(", ")} running and healthy`, async () => {
    const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
    const ok = names.every((n) =>
      list.some((p) => p.name === n && p.state === "running" && p.health === "healthy"),
    );
    if (!ok) throw new Error(JSON.stringify(list.map((p) => [p.name, p.state, p.health])));
    return pidsByName(d);
  });
}

async function lastEventId(d: TestDaemon): Promise<number> {
  const [last] = await d.json<EventRecord[]>("GET", "/v1/events?events=1");
  return last?.id ?? 0;
}

async function processesWithEventsAfter(d: TestDaemon, id: number): Promise<string[]> {
  const events = await d.json<EventRecord[]>("GET", `/v1/events?after=${id}&events=10000`);
  return [...new Set(events.flatMap((e) => (e.process ? [e.process] : [])))].sort();
}

test("reload: of five processes, the added, removed and changed ones are acted on; the rest keep their pids", async () => {
  const five = ["a", "b", "c", "d", "e"].map((n) => proc(n)).join("\n");
  await using d = await new TestDaemon(five).start();
  const original = readFileSync(d.configPath, "utf8");
  // A run-time process is not in the file and survives every reload.
  expect((await d.cli("add", "r", "--", JSON.parse(SLEEPER))).code).toBe(0);
  const before = await allRunning(d, ["a", "b", "c", "d", "e", "r"]);

  // The new config: e removed, d changed (its env), f added.
  const next = ["a", "b", "c"].map((n) => proc(n)).join("\n");
  writeFileSync(
    d.configPath,
    original.replace(five, `${next}\n${proc("d", 'env = { VERSION = "2" }\n')}\n${proc("f")}`),
  );

  // --dry-run prints the plan and touches nothing.
  const mark = await lastEventId(d);
  const dry = await d.cli("reload", "--dry-run");
  expect({ code: dry.code, lines: dry.stdout.trim().split("\n") }).toEqual({
    code: 0,
    lines: [
      "would be added: f",
      "would be removed: e",
      "would be changed (restarted): d",
      "would be unchanged: a, b, c",
    ],
  });
  expect(await pidsByName(d)).toEqual(before);
  expect(await processesWithEventsAfter(d, mark)).toEqual([]);

  const applied = await d.cli("reload", "--json");
  expect(applied.code).toBe(0);
  expect(JSON.parse(applied.stdout) as ReloadPlan).toEqual({
    added: ["f"],
    removed: ["e"],
    changed: ["d"],
    unchanged: ["a", "b", "c"],
    applied: true,
  });
  const after = await allRunning(d, ["a", "b", "c", "d", "f", "r"]);
  expect({ a: after.a, b: after.b, c: after.c, r: after.r }).toEqual({
    a: before.a,
    b: before.b,
    c: before.c,
    r: before.r,
  });
  expect(after.d).not.toBe(before.d);
  expect("e" in after).toBe(false);
  expect([isAlive(before.d as number), isAlive(before.e as number)]).toEqual([false, false]);
  expect(await processesWithEventsAfter(d, mark)).toEqual(["d", "e", "f"]);

  // An invalid config: every error is answered, by the CLI and the API, and nothing changes.
  writeFileSync(
    d.configPath,
    `${original}\n[processes.bad]\ncommand = ["x"]\nrestart = "sometimes"\nstop_timeout = "soon"\ncolour = "red"\n`,
  );
  const mark2 = await lastEventId(d);
  const refused = await d.cli("reload");
  expect(refused.code).toBe(1);
  for (const key of ["processes.bad.restart", "processes.bad.stop_timeout", "processes.bad.colour"])
    expect(refused.stderr).toContain(key);
  for (const dryRun of [false, true]) {
    const res = await d.api("POST", "/v1/reload", { dryRun });
    const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
    const paths = body.error.issues.map((i) => i.path).sort();
    expect({ status: res.status, code: body.error.code, paths }).toEqual({
      status: 422,
      code: "CONFIG_INVALID",
      paths: ["processes.bad.colour", "processes.bad.restart", "processes.bad.stop_timeout"],
    });
  }
  expect(await pidsByName(d)).toEqual(after);
  expect(await processesWithEventsAfter(d, mark2)).toEqual([]);
});
