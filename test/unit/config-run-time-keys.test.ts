import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/issues.ts";
import { buildConfig } from "../../src/config/load.ts";

// The keys of schedules, watch, timeout, scripts and environments: each mistake is named by its
// key path and says what was expected.
function issuesOf(processes: Record<string, unknown>, environment: string | null = null) {
  try {
    buildConfig("/etc/tend/tend.toml", { processes }, {}, environment);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error("expected the config to be refused");
}

const job = (extra: Record<string, unknown>) => ({ job: { command: "true", ...extra } });
const FIVE = 'expected 5 fields (minute hour day-of-month month day-of-week) like "0 3 * * *"';

describe("config errors of the run-time keys", () => {
  test.each([
    ["schedule", { schedule: "0 3 * *" }, "processes.job.schedule", `${FIVE}, got 4`],
    ["schedule", { schedule: "99 3 * * *" }, "processes.job.schedule", "not a cron expression"],
    [
      "restart_schedule",
      { restart_schedule: "@sometimes" },
      "processes.job.restart_schedule",
      "unknown nickname",
    ],
    [
      "timezone",
      { schedule: "@daily", timezone: "Mars/Base" },
      "processes.job.timezone",
      "unknown time zone",
    ],
    ["timezone alone", { timezone: "UTC" }, "processes.job.timezone", "timezone applies to schedule"],
    [
      "both schedules",
      { schedule: "@daily", restart_schedule: "@daily" },
      "processes.job.restart_schedule",
      "one or the other",
    ],
    ["timeout", { timeout: "soon" }, "processes.job.timeout", "expected a duration"],
    ["timeout 0", { timeout: 0 }, "processes.job.timeout", "timeout must be longer than 0"],
    [
      "watch",
      { watch: "src/**/*.ts" },
      "processes.job.watch",
      'expected a list of globs like ["src/**/*.ts"]',
    ],
    ["watch entry", { watch: [""] }, "processes.job.watch[0]", "a glob must not be empty"],
    ["watch_ignore", { watch_ignore: [1] }, "processes.job.watch_ignore[0]", "expected string"],
    ["watch_debounce", { watch_debounce: "quick" }, "processes.job.watch_debounce", "expected a duration"],
    ["script", { script: "" }, "processes.job.script", "script must name a script of package.json"],
    [
      "command and script",
      { script: "start" },
      "processes.job.script",
      "command and script both say what to run",
    ],
    [
      "environment key",
      { environments: { production: { command: "x" } } },
      "processes.job.environments.production.command",
      "unknown key",
    ],
    [
      "environment name",
      { environments: { "no good": {} } },
      'processes.job.environments["no good"]',
      "expected an environment name",
    ],
    [
      "environment instances",
      { environments: { production: { instances: 0 } } },
      "processes.job.environments.production.instances",
      "expected a whole number of copies from 1 to 1000",
    ],
    [
      "environment instances past the last port",
      { port: 65_535, environments: { production: { instances: 2 } } },
      "processes.job.environments.production.instances",
      "would go past port 65535",
    ],
    [
      "a day that never comes",
      { schedule: "0 3 31 2 *" },
      "processes.job.schedule",
      "names no time that ever comes",
    ],
    [
      "environment env",
      { environments: { production: { env: { A: [1] } } } },
      "processes.job.environments.production.env.A",
      "expected",
    ],
    [
      "environment env_file",
      { environments: { production: { env_file: 3 } } },
      "processes.job.environments.production.env_file",
      "expected string",
    ],
    [
      "environment autostart",
      { environments: { production: { autostart: "yes" } } },
      "processes.job.environments.production.autostart",
      "expected boolean",
    ],
  ] as [string, Record<string, unknown>, string, string][])("%s", (_what, extra, path, message) => {
    const issues = issuesOf(job(extra));
    const found = issues.find((i) => i.path === path);
    expect(found, `issues: ${JSON.stringify(issues)}`).toBeDefined();
    expect(found?.message).toContain(message);
  });

  test("keys that only make sense together are reported with the other errors, all at once", () => {
    const paths = issuesOf({
      job: { command: "x", script: "start", timezone: "UTC", stop_timeout: "soon" },
    }).map((i) => i.path);
    expect(paths.sort()).toEqual([
      "processes.job.script",
      "processes.job.stop_timeout",
      "processes.job.timezone",
    ]);
  });

  test("neither command nor script", () => {
    expect(issuesOf({ job: { cwd: "/srv" } })).toEqual([
      {
        path: "processes.job.command",
        message:
          'expected a command (["bun", "server.ts"] or a shell line) or a script of package.json (script = "start")',
      },
    ]);
  });

  test("--env that no process declares", () => {
    expect(
      issuesOf({ web: { command: "x", environments: { production: {}, staging: {} } } }, "prod"),
    ).toEqual([
      {
        path: "(--env)",
        message: "no process has environments.prod; the config's environments: production, staging",
      },
    ]);
  });

  test("a schedule makes autostart default to false; an environment may change it back", () => {
    const data = {
      processes: {
        nightly: {
          command: "true",
          schedule: "0 3 * * *",
          environments: { production: { autostart: true } },
        },
        web: { command: "true" },
      },
    };
    const config = buildConfig("/etc/tend/tend.toml", data, {});
    const prod = buildConfig("/etc/tend/tend.toml", data, {}, "production");
    expect({
      nightly: config.processes[0]?.autostart,
      web: config.processes[1]?.autostart,
      prod: prod.processes[0]?.autostart,
      schedule: config.processes[0]?.schedule,
    }).toEqual({
      nightly: false,
      web: true,
      prod: true,
      schedule: { expression: "0 3 * * *", timezone: null },
    });
  });
});
