import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/issues.ts";
import { buildConfig } from "../../src/config/load.ts";
import { presetKeys } from "../../src/config/presets.ts";

const ENV = { TEND_SOCKET: "/srv/t/tend.sock", TEND_STATE_DIR: "/srv/t/state", TEND_LOG_DIR: "/srv/t/logs" };

function load(processes: Record<string, unknown>) {
  return buildConfig("/etc/tend/tend.toml", { processes }, ENV);
}

function errors(processes: Record<string, unknown>): string[] {
  try {
    load(processes);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const only = (processes: Record<string, unknown>) => load(processes).processes[0];

describe("probe tables", () => {
  test("defaults follow Kubernetes: no delay, every 10s, 1s timeout, 1 success, 3 failures", () => {
    expect(only({ api: { command: "x", readiness: { type: "tcp", port: 5432 } } })?.probes).toEqual({
      startup: null,
      readiness: {
        check: { type: "tcp", host: "127.0.0.1", port: 5432 },
        initialDelayMs: 0,
        periodMs: 10_000,
        timeoutMs: 1000,
        successThreshold: 1,
        failureThreshold: 3,
      },
      liveness: null,
    });
  });

  test.each([
    [
      "http with its defaults: GET, 200-399",
      { type: "http", url: "http://127.0.0.1:3000/health" },
      {
        type: "http",
        url: "http://127.0.0.1:3000/health",
        method: "GET",
        headers: {},
        expectStatus: [[200, 399]],
      },
    ],
    [
      "http with statuses and headers",
      {
        type: "http",
        url: "https://x/h",
        method: "HEAD",
        headers: { Host: "a" },
        expect_status: [204, "300-302"],
      },
      {
        type: "http",
        url: "https://x/h",
        method: "HEAD",
        headers: { Host: "a" },
        expectStatus: [
          [204, 204],
          [300, 302],
        ],
      },
    ],
    [
      "exec as a string runs under sh",
      { type: "exec", command: "pg_isready -q" },
      {
        type: "exec",
        argv: ["/bin/sh", "-c", "pg_isready -q"],
      },
    ],
    [
      "exec as an argv",
      { type: "exec", command: ["pg_isready", "-q"] },
      { type: "exec", argv: ["pg_isready", "-q"] },
    ],
    ["log", { type: "log", pattern: "ready to accept" }, { type: "log", pattern: "ready to accept" }],
  ])("%s", (_what, probe, check) => {
    expect(only({ api: { command: "x", readiness: probe } })?.probes.readiness?.check).toEqual(
      check as never,
    );
  });

  test("timing keys in units", () => {
    const probe = {
      type: "tcp",
      port: 1,
      initial_delay: "2s",
      interval: "250ms",
      timeout: 100,
      success_threshold: 2,
      failure_threshold: 5,
    };
    const { check: _c, ...timing } = only({ api: { command: "x", liveness: probe } })?.probes.liveness ?? {};
    expect(timing).toEqual({
      initialDelayMs: 2000,
      periodMs: 250,
      timeoutMs: 100,
      successThreshold: 2,
      failureThreshold: 5,
    });
  });

  test("every mistake in probes and dependencies is reported at once, with its key path", () => {
    expect(
      errors({
        api: {
          command: "x",
          liveness: { type: "log", pattern: "up" },
          readiness: { type: "http", url: "ftp://x", expect_status: 99, interval: "1ms" },
          startup: { type: "tcp" },
          depends_on: { db: "ready", ghost: "started" },
        },
        db: { command: "x", readiness: { type: "log", pattern: "((" }, depends_on: { api: "started" } },
        web: { command: "x", readiness: { type: "grpc" } },
      }).sort(),
    ).toEqual([
      'processes.api.depends_on.db: expected "started", "healthy", "completed" (exited) or "succeeded" (exited with a success code)',
      'processes.api.depends_on.ghost: no process named "ghost"',
      "processes.api.depends_on: dependency cycle: api → db → api",
      'processes.api.liveness.type: expected a probe table with type = "http", "tcp" or "exec" (a log probe is for readiness or startup only)',
      'processes.api.readiness.expect_status: expected an HTTP status like 200, a range like "200-299", or a list of those',
      "processes.api.readiness.interval: interval must be at least 10ms",
      'processes.api.readiness.url: expected an http(s) URL like "http://127.0.0.1:3000/health"',
      "processes.api.startup.port: expected a port number from 1 to 65535",
      "processes.db.readiness.pattern: expected a regular expression",
      'processes.web.readiness.type: expected a probe table with type = "http", "tcp", "exec" or "log"',
    ]);
  });

  test("depends_on resolves to a list of name and condition", () => {
    const config = load({
      db: { command: "x" },
      migrate: { command: "x" },
      api: { command: "x", depends_on: { db: "healthy", migrate: "succeeded" } },
    });
    expect(config.processes.find((p) => p.name === "api")?.dependsOn).toEqual([
      { name: "db", condition: "healthy" },
      { name: "migrate", condition: "succeeded" },
    ]);
  });
});

describe("presets", () => {
  test.each([
    ["web", { port: 3000 }, { restart: "always", readiness: "http GET http://127.0.0.1:3000/" }],
    [
      "web",
      { port: 8080, health_path: "/healthz" },
      { restart: "always", readiness: "http GET http://127.0.0.1:8080/healthz" },
    ],
    [
      "database",
      { port: 5432 },
      { restart: "on-failure", startup: "tcp 127.0.0.1:5432 ×300", readiness: "tcp 127.0.0.1:5432" },
    ],
    ["worker", {}, { restart: "always" }],
    ["task", {}, { restart: "never" }],
  ])("%s %o expands at load time", (preset, keys, expected) => {
    const spec = only({ p: { command: "x", preset, ...keys } });
    const describe = (kind: "startup" | "readiness") => {
      const probe = spec?.probes[kind];
      if (!probe) return undefined;
      const c = probe.check;
      const text =
        c.type === "http"
          ? `http ${c.method} ${c.url}`
          : c.type === "tcp"
            ? `tcp ${c.host}:${c.port}`
            : c.type;
      return probe.failureThreshold > 3 ? `${text} ×${probe.failureThreshold}` : text;
    };
    const got: Record<string, string | undefined> = { restart: spec?.restart };
    if (describe("startup")) got.startup = describe("startup");
    if (describe("readiness")) got.readiness = describe("readiness");
    expect(got).toEqual(expected);
  });

  test("keys written in the table win; the expansion (what the preset filled in) is kept for tend status", () => {
    const spec = only({
      api: {
        command: "x",
        preset: "web",
        port: 3000,
        restart: "on-failure",
        readiness: { type: "tcp", port: 3000 },
      },
    });
    expect({
      restart: spec?.restart,
      readiness: spec?.probes.readiness?.check,
      preset: spec?.preset,
    }).toEqual({
      restart: "on-failure",
      readiness: { type: "tcp", host: "127.0.0.1", port: 3000 },
      preset: { name: "web", applied: {} },
    });
    expect(only({ api: { command: "x", preset: "task" } })?.preset).toEqual({
      name: "task",
      applied: { restart: "never" },
    });
  });

  test("the database preset allows five minutes to start and a minute to stop", () => {
    expect(presetKeys({ preset: "database", port: 5432 })).toEqual({
      stop_timeout: "1m",
      startup: { type: "tcp", port: 5432, interval: "1s", timeout: "1s", failure_threshold: 300 },
      readiness: { type: "tcp", port: 5432, interval: "5s", timeout: "2s" },
    });
  });

  test("presets web and database need port; health_path belongs to preset web; port is a key of its own", () => {
    expect(
      errors({
        a: { command: "x", preset: "web" },
        b: { command: "x", port: 80 },
        c: { command: "x", preset: "task", health_path: "/h" },
        d: { command: "x", preset: "cron" },
      }).sort(),
    ).toEqual([
      'processes.a.port: preset "web" needs port = the port it listens on',
      'processes.c.health_path: health_path is a key of preset = "web"',
      'processes.d.preset: Invalid option: expected one of "web"|"database"|"worker"|"task"',
    ]);
  });
});
