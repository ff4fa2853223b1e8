import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

describe("environments", () => {
  test("tend up --env production: env, instances and autostart of the environment; a reload keeps it", async () => {
    const d = new TestDaemon(`
[processes.web]
command = ["${SLEEPER}"]
env = { MODE = "dev", KEEP = "yes" }
[processes.web.environments.production]
env = { MODE = "prod" }
instances = 2

[processes.worker]
command = ["${SLEEPER}"]
autostart = false
[processes.worker.environments.production]
autostart = true
env_file = "prod.env"
`);
    writeFileSync(join(d.dir.path, "prod.env"), "WORKER_MODE=prod\n");
    d.upArgs = ["--env", "production"];
    await using _ = await d.start();
    await waitFor("two copies of web and the worker running", async () => {
      const list = await d.json<{ name: string; state: string }[]>("GET", "/v1/processes");
      return list.filter((p) => p.state === "running").length === 3;
    });
    const envOf = (name: string) => {
      const pid = d.processPids(name)[0] as number;
      const text = require("node:fs").readFileSync(`/proc/${pid}/environ`, "utf8") as string;
      return Object.fromEntries(
        text
          .split("\0")
          .filter(Boolean)
          .map((kv) => kv.split(/=(.*)/s).slice(0, 2)),
      );
    };
    const web0 = envOf("web:0");
    const worker = envOf("worker");
    const health = await d.json<{ environment: string | null }>("GET", "/v1/health");
    const reload = await d.cli("reload");
    const afterReload = await d.json<{ environment: string | null }>("GET", "/v1/health");
    const status = (await d.cli("status", "worker")).stdout.split("\n").find((l) => l.startsWith("env:"));
    const detail = await d.process<ProcessDetail>("worker");
    expect({
      web: [web0.MODE, web0.KEEP],
      worker: worker.WORKER_MODE,
      health: health.environment,
      reload: reload.code,
      afterReload: afterReload.environment,
      status,
      detail: detail.environment,
    }).toEqual({
      web: ["prod", "yes"],
      worker: "prod",
      health: "production",
      reload: 0,
      afterReload: "production",
      status: "env:       production (tend up --env)",
      detail: "production",
    });
  });

  test("an environment no process declares is refused by tend up and tend check", async () => {
    const d = new TestDaemon(`
[processes.web]
command = ["${SLEEPER}"]
[processes.web.environments.production]
instances = 2
`);
    await using _d = d;
    d.upArgs = ["--env", "prodution"];
    const up = await d.upExpectingExit();
    const check = await d.cli("check", "-c", d.configPath, "--env", "prodution");
    d.upArgs = ["--env", ""];
    const empty = await d.upExpectingExit();
    const emptyCheck = await d.cli("check", "-c", d.configPath, "--env", "");
    expect({
      empty: [empty.code, empty.stderr.split("\n")[0], emptyCheck.code],
      up: up.code,
      upErr: up.stderr.includes(
        "(--env): no process has environments.prodution; the config's environments: production",
      ),
      check: check.code,
    }).toEqual({
      empty: [2, "--env needs an environment name", 2],
      up: 1,
      upErr: true,
      check: 1,
    });
  });
});
