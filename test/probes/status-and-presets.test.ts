import { expect, test } from "bun:test";
import { BUN, FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { waitHealth } from "../helpers/probe-waits.ts";

test("preset web: expanded at load, shown by tend status with its probe; tend ps shows health and latency", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.site]
command = ["${BUN}", "${FIXTURES}/http-health.ts", "${port}"]
preset = "web"
port = ${port}
health_path = "/health"
`).start();
  await waitHealth(d, "site", "healthy");
  const status = await d.cli("status", "site");
  const ps = await d.cli("ps");
  const json = await d.process("site");
  const line = (text: string, start: string) =>
    text.split("\n").find((l) => l.trimStart().startsWith(start)) ?? "";
  expect({
    restart: json.restartPolicy,
    preset: json.preset,
    probe: line(status.stdout, "probes:").replace(/in [\d.]+ms at .*$/, "in …"),
    presetLine: line(status.stdout, "preset:"),
    psRow: line(ps.stdout, "site")
      .replace(/\s+/g, " ")
      .replace(/\(HTTP 200, [\d.]+ms\)/, "(HTTP 200, …ms)"),
  }).toEqual({
    restart: "always",
    preset: {
      name: "web",
      applied: {
        restart: "always",
        readiness: { type: "http", url: `http://127.0.0.1:${port}/health`, interval: "5s", timeout: "2s" },
      },
    },
    probe: `probes:    readiness http GET http://127.0.0.1:${port}/health: passing; last passed: HTTP 200 in …`,
    presetLine: `preset:    web, expanded to: restart = "always"; readiness = {"type":"http","url":"http://127.0.0.1:${port}/health","interval":"5s","timeout":"2s"}`,
    psRow: expect.stringMatching(new RegExp(`^site running healthy \\(HTTP 200, …ms\\) ${json.pid} `)),
  });
  // The preset checks every 5 s and the first check usually comes before the server listens.
}, 20_000);

test("tend start NAME starts what it depends on and says so; a failed dependency fails the dependent, named", async () => {
  await using d = await new TestDaemon(`
[processes.api]
command = ["${FIXTURES}/ready-then-sleep.sh"]
autostart = false
depends_on = { migrate = "succeeded", cache = "started" }

[processes.cache]
command = ["${FIXTURES}/ready-then-sleep.sh"]
autostart = false

[processes.migrate]
command = ["${FIXTURES}/exit-with.sh", "0"]
autostart = false
restart = "never"

[processes.report]
command = ["${FIXTURES}/ready-then-sleep.sh"]
autostart = false
depends_on = { broken = "succeeded" }

[processes.broken]
command = ["${FIXTURES}/exit-with.sh", "2"]
autostart = false
restart = "never"
`).start();
  const start = await d.cli("start", "api");
  const api = await d.waitState("api", "running");
  const report = await d.cli("start", "report");
  const failed = await d.waitState("report", "failed");
  const ps = await d.cli("ps");
  expect({
    start,
    api: api.health,
    report: report.code,
    failed: [failed.reason, failed.lastError],
    psRow: (ps.stdout.split("\n").find((l) => l.startsWith("report")) ?? "").replace(/\s+/g, " "),
  }).toEqual({
    start: {
      code: 0,
      stdout: "api: waiting for migrate succeeded; started its dependencies: migrate, cache\n",
      stderr: "",
    },
    api: "healthy",
    report: 0,
    failed: ["dependency_failed", "dependency broken cannot become succeeded: it is exited"],
    psRow: "report failed unknown - - 0 - -",
  });
});
