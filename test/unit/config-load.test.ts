import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../src/config/issues.ts";
import { buildConfig, loadConfig } from "../../src/config/load.ts";
import { tempDir } from "../helpers/temp.ts";

// Writes `text` as `name` in a fresh temp dir and loads it; returns the error it threw, if any.
function loadText(name: string, text: string, env: Record<string, string | undefined> = {}) {
  using dir = tempDir();
  const file = join(dir.path, name);
  writeFileSync(file, text);
  try {
    return { file, dir: dir.path, config: loadConfig(file, env), error: null };
  } catch (error) {
    return { file, dir: dir.path, config: null, error };
  }
}

function configError(error: unknown): ConfigError {
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

const ENV = { TEND_SOCKET: "/srv/t/tend.sock", TEND_STATE_DIR: "/srv/t/state", TEND_LOG_DIR: "/srv/t/logs" };

describe("loadConfig reports every mistake at once", () => {
  test("seven mistakes in one file: one ConfigError naming the file and every key path", () => {
    const { file, error } = loadText(
      "tend.toml",
      `
[supervisor]
socket_mode = "0600"              # unknown key

[processes.api]
command = ["bun", "server.ts"]
stop_timeout = "ten seconds"      # bad duration
restart = "sometimes"             # bad enum
stop_signal = "SIGFOO"            # bad signal
max_restarts = -1                 # negative
autostart = "yes"                 # wrong type

[processes."../x"]                # invalid name
command = ["true"]
`,
    );
    const err = configError(error);
    expect({
      code: err.code,
      file: err.file,
      paths: err.issues.map((i) => i.path).sort(),
      firstLine: err.message.split("\n")[0],
    }).toEqual({
      code: "CONFIG_INVALID",
      file,
      paths: [
        'processes["../x"]',
        "processes.api.autostart",
        "processes.api.max_restarts",
        "processes.api.restart",
        "processes.api.stop_signal",
        "processes.api.stop_timeout",
        "supervisor.socket_mode",
      ].sort(),
      firstLine: `${file}: 7 error(s)`,
    });
    for (const issue of err.issues) expect(err.message).toContain(`  ${issue.path}: ${issue.message}`);
  });

  test("mistakes in nested tables name the full path", () => {
    const { error } = loadText(
      "tend.toml",
      `[processes.api]
command = "run"
backoff = { initial = "1 sec", factor = 0.5, jitter = 2, surprise = true }
success_exit_codes = [0, 300]
env = { PORT = [1] }
`,
    );
    expect(
      configError(error)
        .issues.map((i) => i.path)
        .sort(),
    ).toEqual([
      "processes.api.backoff.factor",
      "processes.api.backoff.initial",
      "processes.api.backoff.jitter",
      "processes.api.backoff.surprise",
      "processes.api.env.PORT",
      "processes.api.success_exit_codes[1]",
    ]);
  });
});

describe("file formats", () => {
  const expected = { name: "web", argv: ["bun", "web.ts"], restart: "always" as const, stopTimeoutMs: 5000 };
  test.each([
    ["tend.toml", `[processes.web]\ncommand = ["bun", "web.ts"]\nrestart = "always"\nstop_timeout = "5s"\n`],
    [
      "tend.yaml",
      `processes:\n  web:\n    command: [bun, web.ts]\n    restart: always\n    stop_timeout: 5s\n`,
    ],
    [
      "tend.yml",
      `processes:\n  web:\n    command: [bun, web.ts]\n    restart: always\n    stop_timeout: 5000\n`,
    ],
    [
      "tend.json",
      JSON.stringify({
        processes: { web: { command: ["bun", "web.ts"], restart: "always", stop_timeout: "5s" } },
      }),
    ],
    ["tend.TOML", `[processes.web]\ncommand = ["bun", "web.ts"]\nrestart = "always"\nstop_timeout = 5000\n`],
  ])("%s is read by its extension", (name, text) => {
    const { config, error } = loadText(name, text, ENV);
    expect(error).toBeNull();
    const p = config?.processes[0];
    expect({ name: p?.name, argv: p?.argv, restart: p?.restart, stopTimeoutMs: p?.stopTimeoutMs }).toEqual(
      expected,
    );
  });

  test("an unknown extension is an error naming the file and the accepted extensions", () => {
    const { file, error } = loadText("tend.ini", "[processes.web]\n");
    const err = configError(error);
    expect({ file: err.file, issues: err.issues }).toEqual({
      file,
      issues: [{ path: "(file)", message: 'unknown extension ".ini": use .toml, .yaml, .yml or .json' }],
    });
  });

  test.each([
    ["tend.toml", "[processes.web\ncommand = 1"],
    ["tend.json", '{"processes": {'],
    ["tend.yaml", "processes:\n  web: [unclosed\n"],
  ])("a syntax error in %s names the file", (name, text) => {
    const { file, error } = loadText(name, text);
    const err = configError(error);
    expect({
      file: err.file,
      paths: err.issues.map((i) => i.path),
      startsWithFile: err.message.startsWith(file),
    }).toEqual({ file, paths: ["(syntax)"], startsWithFile: true });
  });

  test("a missing file is a ConfigError naming it", () => {
    using dir = tempDir();
    const file = join(dir.path, "absent.toml");
    let error: unknown = null;
    try {
      loadConfig(file, {});
    } catch (e) {
      error = e;
    }
    const err = configError(error);
    expect({ file: err.file, paths: err.issues.map((i) => i.path) }).toEqual({ file, paths: ["(file)"] });
  });

  test("an empty file is an empty config", () => {
    const { config } = loadText("tend.toml", "", ENV);
    expect(config?.processes).toEqual([]);
  });
});

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
        metricsIntervalMs: 5000,
        metricsListen: null,
        runRetention: 100,
        eventRetention: 10_000,
        eventMaxAgeMs: 7 * 24 * 3600_000,
        logBufferLines: 1000,
      },
      alerts: [],
      processes: [
        {
          name: "api",
          argv: ["bun", "server.ts"],
          cwd: null,
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
          dependsOn: [],
          preset: null,
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
