import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// Trying before converting: `tend up -c Procfile` runs it as `tend import` would write it.
test("tend up -c Procfile runs three processes, each with its own PORT", async () => {
  await using d = new TestDaemon("");
  const procfile = join(d.dir.path, "Procfile");
  writeFileSync(
    procfile,
    "web: echo web on $PORT; exec sleep 1000\napi: echo api on $PORT; exec sleep 1000\nworker: echo worker on $PORT; exec sleep 1000\n",
  );
  d.upEnv = { TEND_STATE_DIR: join(d.dir.path, "state"), TEND_LOG_DIR: d.logDir };
  await d.start(procfile);
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
