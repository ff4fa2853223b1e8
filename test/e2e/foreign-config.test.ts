import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// A supervisor of its own on a foreign file written in its temp dir, state and logs there too
// (the file has no [supervisor] table).
async function upOn(d: TestDaemon, name: string, text: string): Promise<void> {
  const file = join(d.dir.path, name);
  writeFileSync(file, text);
  d.upEnv = { TEND_STATE_DIR: join(d.dir.path, "state"), TEND_LOG_DIR: d.logDir };
  await d.start(file);
}

// Trying before converting: `tend up -c Procfile` runs it as `tend import` would write it.
test("tend up -c Procfile runs three processes, each with its own PORT", async () => {
  await using d = new TestDaemon("");
  await upOn(
    d,
    "Procfile",
    "web: echo web on $PORT; exec sleep 1000\napi: echo api on $PORT; exec sleep 1000\nworker: echo worker on $PORT; exec sleep 1000\n",
  );
  for (const [name, port] of [
    ["web", 5000],
    ["api", 5100],
    ["worker", 5200],
  ] as const)
    await waitFor(`${name} to print its PORT ${port}`, async () => {
      const r = await d.cli("logs", name, "-n", "5");
      return r.stdout.includes(`${name} on ${port}`) ? true : undefined;
    });
  const ps = JSON.parse((await d.cli("ps", "--json")).stdout) as { name: string; state: string }[];
  expect(ps.map((p) => [p.name, p.state])).toEqual([
    ["web", "running"],
    ["api", "running"],
    ["worker", "running"],
  ]);
  expect(d.stderr).toContain("(procfile): not carried over exactly:");
});

const tendUp = (d: TestDaemon, ...args: string[]) => d.cliWith({ env: d.upEnv }, "up", ...args);

// For laptops and containers: no systemd to keep it in the background.
test("tend up -d returns once the supervisor answers, its output in the state dir", async () => {
  await using d = new TestDaemon('[processes.sleeper]\ncommand = ["sleep", "1000"]\n');
  const r = await tendUp(d, "-d", "-c", d.configPath);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  expect(r.stdout).toMatch(
    /^tend: supervisor running \(pid \d+\) on .*; its output goes to .*\/state\/tend\.log\n$/,
  );
  // It answered before -d returned: no wait here.
  const health = await d.api("GET", "/v1/health");
  expect(health.ok).toBe(true);
  const again = await tendUp(d, "-d", "-c", d.configPath);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("a supervisor already answers on");
  expect((await d.cli("down")).code).toBe(0);
});

test("tend up without a config file starts an empty supervisor that tend add fills; -c a missing file fails", async () => {
  await using d = new TestDaemon("");
  // A name whose format would not read "" (JSON) still gives an empty supervisor.
  const missing = join(d.dir.path, "nowhere", "tend.json");
  d.upEnv = { TEND_CONFIG: missing, TEND_STATE_DIR: join(d.dir.path, "state"), TEND_LOG_DIR: d.logDir };
  const refused = await tendUp(d, "-c", missing);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("(file): cannot read: ENOENT");
  const r = await tendUp(d, "-d");
  expect(r.code).toBe(0);
  expect(JSON.parse((await d.cli("ps", "--json")).stdout)).toEqual([]);
  const added = await d.cli("add", "hello", "--", "sleep", "1000");
  expect(added.code).toBe(0);
  const ps = JSON.parse((await d.cli("ps", "--json")).stdout) as { name: string; state: string }[];
  expect(ps.map((p) => [p.name, p.state])).toEqual([["hello", "running"]]);
  const log = await Bun.file(join(d.dir.path, "state", "tend.log")).text();
  expect(log).toContain(`no config file at ${missing}: starting with no processes`);
  expect((await d.cli("down")).code).toBe(0);
});

// An ecosystem file is code: the binary evaluates it in a child of its own at each load.
test("tend up -c ecosystem.config.js runs its apps", async () => {
  await using d = new TestDaemon("");
  await upOn(
    d,
    "ecosystem.config.js",
    'const seconds = 1000;\nmodule.exports = { apps: [{ name: "napper", script: "sleep", args: String(seconds) }] };\n',
  );
  await waitFor("napper running", async () => {
    const ps = JSON.parse((await d.cli("ps", "--json")).stdout) as { name: string; state: string }[];
    return ps.some((p) => p.name === "napper" && p.state === "running");
  });
});
