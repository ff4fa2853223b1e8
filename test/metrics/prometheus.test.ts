import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PROMETHEUS_CONTENT_TYPE, renderFamilies } from "../../src/metrics/prometheus.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { parsePrometheusText } from "../helpers/prometheus-text.ts";
import { waitFor } from "../helpers/wait.ts";

const READY = join(FIXTURES, "ready-then-sleep.sh");

describe("the parser itself is strict", () => {
  test.each([
    ["HELP after the family's samples", "x 1\n# HELP x h\n"],
    ["a bad metric name", "# HELP 1x h\n"],
    ["an unknown escape in a label value", 'x{a="\\t"} 1\n'],
    ["a value that is not a float", "x 1,5\n"],
    ["an unterminated label", 'x{a="b} 1\n'],
    ["a family split in two", "x 1\ny 1\nx 2\n"],
    ["no final newline", "x 1"],
  ])("rejects %s", (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });

  test("reads escaped label values and special floats", () => {
    const text = renderFamilies([
      {
        name: "t",
        type: "gauge",
        help: "a\\b\nc",
        samples: [{ labels: { p: 'q"u\\o\nte' }, value: Number.POSITIVE_INFINITY }],
      },
    ]);
    const f = parsePrometheusText(text).get("t");
    expect(f).toEqual({
      name: "t",
      help: "a\\b\nc",
      type: "gauge",
      samples: [{ name: "t", labels: { p: 'q"u\\o\nte' }, value: Number.POSITIVE_INFINITY }],
    });
  });
});

describe("GET /metrics", () => {
  test("every line parses, every family has HELP and TYPE; also served read-only on metrics_listen", async () => {
    const port = freePort();
    await using d = await new TestDaemon(
      `[processes."web.api-1_x"]
command = ["${READY}"]
[processes.flaky]
command = ["${READY}"]
liveness = { type = "tcp", port = ${freePort()}, interval = "50ms", timeout = "50ms", failure_threshold = 1000 }
[processes.idle]
command = ["${READY}"]
autostart = false
`,
      `metrics_interval = "100ms"\nmetrics_listen = "127.0.0.1:${port}"`,
    ).start();
    const families = await waitFor(
      "a memory sample of web.api-1_x and a probe failure of flaky",
      async () => {
        const res = await d.api("GET", "/metrics");
        expect(res.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
        const parsed = parsePrometheusText(await res.text());
        const rss = parsed.get("tend_process_resident_memory_bytes")?.samples ?? [];
        const failures = parsed.get("tend_process_probe_failures_total")?.samples ?? [];
        return rss.some((s) => s.labels.process === "web.api-1_x" && s.value > 0) && failures.length > 0
          ? parsed
          : null;
      },
    );
    for (const f of families.values()) {
      expect({ name: f.name, help: typeof f.help, type: f.type === null ? null : "set" }).toEqual({
        name: f.name,
        help: "string",
        type: "set",
      });
    }
    const sample = (family: string, labels: Record<string, string>) =>
      families.get(family)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    expect({
      running: sample("tend_process_state", { process: "web.api-1_x", state: "running" }),
      stopped: sample("tend_process_state", { process: "idle", state: "stopped" }),
      healthy: sample("tend_process_health", { process: "web.api-1_x", health: "healthy" }),
      restarts: sample("tend_process_restarts_total", { process: "web.api-1_x" }),
      idleRss: sample("tend_process_resident_memory_bytes", { process: "idle" }),
      types: [
        families.get("tend_process_restarts_total")?.type,
        families.get("tend_process_probe_failures_total")?.type,
        families.get("tend_process_cpu_percent")?.type,
      ],
    }).toEqual({
      running: 1,
      stopped: 1,
      healthy: 1,
      restarts: 0,
      idleRss: undefined, // a stopped process has no tree to measure
      types: ["counter", "counter", "gauge"],
    });
    expect(
      sample("tend_process_probe_failures_total", { process: "flaky", probe: "liveness" }),
    ).toBeGreaterThan(0);
    expect(sample("tend_process_open_fds", { process: "web.api-1_x" })).toBeGreaterThan(0);

    // The TCP listener answers /metrics and nothing else: the control API is not reachable there.
    const tcp = await fetch(`http://127.0.0.1:${port}/metrics`);
    parsePrometheusText(await tcp.text());
    const refused = await Promise.all(
      [
        ["GET", "/v1/processes"],
        ["POST", "/v1/shutdown"],
        ["POST", "/v1/processes/web.api-1_x/stop"],
        ["GET", "/openapi.json"],
      ].map(async ([method, path]) => (await fetch(`http://127.0.0.1:${port}${path}`, { method })).status),
    );
    expect({ tcp: tcp.status, refused }).toEqual({ tcp: 200, refused: [404, 404, 404, 404] });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: "POST" })).status).toBe(405);
    expect((await d.process("web.api-1_x")).state).toBe("running");
  });
});
