import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { configError, ENV, loadText } from "../helpers/config-text.ts";
import { tempDir } from "../helpers/temp.ts";

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
    const { file, error } = loadText("tend.cfg", "[processes.web]\n");
    const err = configError(error);
    expect({ file: err.file, issues: err.issues }).toEqual({
      file,
      issues: [{ path: "(file)", message: 'unknown extension ".cfg": use .toml, .yaml, .yml or .json' }],
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

// Regression (found by the config fuzzer): a process table that is empty in YAML (`api:` with
// nothing under it) made the loader throw a TypeError instead of reporting the key.
test("a process that is not a table is a config error naming it", () => {
  const { error } = loadText("tend.yaml", "processes:\n  api:\n", {});
  expect(configError(error).issues.map((i) => i.path)).toEqual(["processes.api"]);
});
