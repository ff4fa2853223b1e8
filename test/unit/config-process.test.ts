import { describe, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { buildConfig } from "../../src/config/load.ts";
import { ENV, loadText } from "../helpers/config-text.ts";

describe("what a process becomes", () => {
  test("a string command runs under /bin/sh -c; an array runs as given", () => {
    const { config } = loadText(
      "tend.toml",
      `[processes.shell]\ncommand = "bun run migrate && echo done"\n[processes.direct]\ncommand = ["bun", "run", "migrate"]\n`,
      ENV,
    );
    expect(config?.processes.map((p) => [p.name, p.argv])).toEqual([
      ["shell", ["/bin/sh", "-c", "bun run migrate && echo done"]],
      ["direct", ["bun", "run", "migrate"]],
    ]);
  });

  test("defaults for everything left out", () => {
    const { config } = loadText("tend.toml", `[processes.api]\ncommand = ["bun", "server.ts"]\n`, ENV);
    expect(config).toEqual({
      file: expect.any(String),
      supervisor: {
        socketPath: "/srv/t/tend.sock",
        stateDir: "/srv/t/state",
        logDir: "/srv/t/logs",
        socketGroup: null,
        cgroups: "auto",
        metricsIntervalMs: 5000,
        metricsListen: null,
        runRetention: 100,
        eventRetention: 10_000,
        eventMaxAgeMs: 7 * 24 * 3600_000,
        logBufferLines: 1000,
        dashboard: null,
      },
      alerts: [],
      importNotes: null,
      environment: null,
      processes: [
        {
          name: "api",
          type: "simple",
          pidFile: null,
          argv: ["bun", "server.ts"],
          script: null,
          cwd: dirname(config?.file ?? ""),
          env: {},
          envFile: null,
          expandEnv: false,
          user: null,
          group: null,
          autostart: true,
          restart: "on-failure",
          backoff: { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.1, resetAfterMs: 60_000 },
          maxRestarts: 0,
          successExitCodes: [0],
          stopSignal: "SIGTERM",
          stopTimeoutMs: 10_000,
          maxMemoryBytes: null,
          timeoutMs: null,
          schedule: null,
          restartSchedule: null,
          watch: null,
          environment: null,
          logs: {
            maxBytes: 10 * 1024 * 1024,
            keep: 5,
            compress: false,
            timestamps: false,
            merge: false,
            lineMaxBytes: 65_536,
          },
          progressPattern: null,
          probes: { startup: null, readiness: null, liveness: null },
          port: null,
          instances: null,
          replica: null,
          probeOwnerCheck: true,
          dependsOn: [],
          preset: null,
          image: null,
          raw: { command: ["bun", "server.ts"] },
        },
      ],
    });
  });

  test("units, signal spellings and env values are normalised", () => {
    const { config } = loadText(
      "tend.toml",
      `[processes.api]
command = ["bun", "server.ts"]
stop_signal = "int"
stop_timeout = "1.5s"
env = { PORT = 3000, DEBUG = true, NAME = "api" }
backoff = { initial = "250ms", factor = 3, max = "1m", jitter = 0, reset_after = "2h" }
[supervisor]
metrics_interval = "10s"
`,
      ENV,
    );
    const p = config?.processes[0];
    expect({
      stopSignal: p?.stopSignal,
      stopTimeoutMs: p?.stopTimeoutMs,
      env: p?.env,
      backoff: p?.backoff,
      metricsIntervalMs: config?.supervisor.metricsIntervalMs,
    }).toEqual({
      stopSignal: "SIGINT",
      stopTimeoutMs: 1500,
      env: { PORT: "3000", DEBUG: "true", NAME: "api" },
      backoff: { initialMs: 250, factor: 3, maxMs: 60_000, jitter: 0, resetAfterMs: 7_200_000 },
      metricsIntervalMs: 10_000,
    });
  });

  test("a backoff max below initial is raised to initial", () => {
    const { config } = loadText(
      "tend.toml",
      `[processes.api]\ncommand = "x"\nbackoff = { initial = "10s", max = "1s" }\n`,
      ENV,
    );
    expect(config?.processes[0]?.backoff.maxMs).toBe(10_000);
  });

  test("relative paths are resolved against the config file's directory", () => {
    const { dir, config } = loadText(
      "tend.toml",
      `[supervisor]
socket = "run/tend.sock"
state_dir = "./state"
log_dir = "../logs"
[processes.api]
command = ["bun", "server.ts"]
cwd = "srv/api"
env_file = "api.env"
[processes.web]
command = ["bun", "web.ts"]
cwd = "/srv/web"
env_file = "/etc/web.env"
`,
    );
    expect({
      socketPath: config?.supervisor.socketPath,
      stateDir: config?.supervisor.stateDir,
      logDir: config?.supervisor.logDir,
      paths: config?.processes.map((p) => [p.name, p.cwd, p.envFile]),
    }).toEqual({
      socketPath: join(dir, "run/tend.sock"),
      stateDir: join(dir, "state"),
      logDir: join(dir, "../logs"),
      paths: [
        ["api", join(dir, "srv/api"), join(dir, "api.env")],
        ["web", "/srv/web", "/etc/web.env"],
      ],
    });
  });

  // Supervisor paths go through path.resolve; process paths must come out the same way, or
  // `tend status` shows "/etc/tend/./web" and reload compares unnormalised strings.
  test("process cwd and env_file with ./ and ../ are normalised like supervisor paths", () => {
    const { dir, config } = loadText(
      "tend.toml",
      `[processes.web]\ncommand = ["bun", "web.ts"]\ncwd = "./web"\nenv_file = "../shared/web.env"\n`,
      ENV,
    );
    const p = config?.processes[0];
    expect({ cwd: p?.cwd, envFile: p?.envFile }).toEqual({
      cwd: join(dir, "web"),
      envFile: join(dir, "../shared/web.env"),
    });
  });

  test("without settings the supervisor paths come from the environment", () => {
    const config = buildConfig("/etc/tend/tend.toml", {}, ENV);
    expect(config.supervisor).toMatchObject({
      socketPath: "/srv/t/tend.sock",
      stateDir: "/srv/t/state",
      logDir: "/srv/t/logs",
    });
  });
});
