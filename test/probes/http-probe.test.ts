import { expect, test } from "bun:test";
import { BUN, FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { events, waitEvent, waitHealth, waitProbeMessage } from "../helpers/probe-waits.ts";

const server = (port: number) => `command = ["${BUN}", "${FIXTURES}/http-health.ts", "${port}"]`;

test("http readiness: healthy on 200; unhealthy only at the 3rd 503 in a row, never restarted; healthy again after 2 passes", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.api]
${server(port)}
readiness = { type = "http", url = "http://127.0.0.1:${port}/health", interval = "100ms", failure_threshold = 3, success_threshold = 2 }
`).start();
  const healthy = await waitHealth(d, "api", "healthy");
  await fetch(`http://127.0.0.1:${port}/unhealthy`, { method: "POST" });
  const turnedAt = Date.now();
  const sick = await waitHealth(d, "api", "unhealthy");
  const failed = await waitEvent(d, "api", "probe.failed");
  await fetch(`http://127.0.0.1:${port}/healthy`, { method: "POST" });
  const again = await waitHealth(d, "api", "healthy");
  const recovered = await waitEvent(d, "api", "probe.recovered");
  expect({
    lastProbe: {
      kind: healthy.lastProbe?.kind,
      ok: healthy.lastProbe?.ok,
      message: healthy.lastProbe?.message,
    },
    samePid: [sick.pid, again.pid].every((pid) => pid === healthy.pid),
    restarts: again.restarts,
    failed: { ...failed.details, latencyMs: 0 } as Record<string, unknown>,
    // Three failures 100 ms apart take at least 200 ms after the server turned.
    threshold: failed.at - turnedAt >= 200,
    recovered: recovered.details?.message,
    sickProbe: sick.lastProbe?.message,
  }).toEqual({
    lastProbe: { kind: "readiness", ok: true, message: "HTTP 200" },
    samePid: true,
    restarts: 0,
    failed: { probe: "readiness", ok: false, message: "HTTP 503", latencyMs: 0, failures: 3 },
    threshold: true,
    recovered: "HTTP 200",
    sickProbe: "HTTP 503",
  });
});

test("http timeout: an answer slower than the timeout fails as 'timed out after 200ms'", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.api]
${server(port)}
readiness = { type = "http", url = "http://127.0.0.1:${port}/slow?ms=5000", interval = "100ms", timeout = "200ms", failure_threshold = 1 }
`).start();
  // Until the server listens a check is refused; then each one times out.
  const p = await waitProbeMessage(d, "api", "timed out after 200ms");
  expect({
    health: p.health,
    ok: p.lastProbe?.ok,
    message: p.lastProbe?.message,
    slowEnough: (p.lastProbe?.latencyMs ?? 0) >= 200,
  }).toEqual({
    health: "unhealthy",
    ok: false,
    message: "timed out after 200ms",
    slowEnough: true,
  });
});

test("http expect_status: only the listed statuses pass", async () => {
  const port = freePort();
  await using d = await new TestDaemon(`
[processes.api]
${server(port)}
readiness = { type = "http", url = "http://127.0.0.1:${port}/health", interval = "100ms", expect_status = [204, "300-399"], failure_threshold = 1 }
`).start();
  // Until the server listens a check is refused; then each one gets a 200, which fails here.
  const p = await waitProbeMessage(d, "api", "HTTP 200");
  const failed = await events(d, "api", "probe.failed");
  expect({ health: p.health, ok: p.lastProbe?.ok, events: failed.length }).toEqual({
    health: "unhealthy",
    ok: false,
    events: 1,
  });
});
