import { describe, expect, test } from "bun:test";
import { ConfigError, formatPath } from "../../src/config/issues.ts";
import { buildConfig } from "../../src/config/load.ts";

function issuesOf(data: unknown): { path: string; message: string }[] {
  try {
    buildConfig("/etc/tend/tend.toml", data, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error("expected the config to be refused");
}

describe("formatPath", () => {
  test.each([
    [[], "(top level)"],
    [["supervisor"], "supervisor"],
    [["processes", "api", "backoff", "initial"], "processes.api.backoff.initial"],
    [["processes", "api", "success_exit_codes", 2], "processes.api.success_exit_codes[2]"],
    [["processes", "../x"], 'processes["../x"]'],
    [["processes", "my.api", "env", "A B"], 'processes["my.api"].env["A B"]'],
  ] as [(string | number)[], string][])("%j → %s", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe("every issue says what was expected (SPEC §2)", () => {
  // A bare "Invalid input" names the key but not what belongs there.
  test.each([
    ["a command of the wrong type", { processes: { api: { command: 5 } } }, "processes.api.command"],
    [
      "a negative duration",
      { processes: { api: { command: "x", stop_timeout: -5 } } },
      "processes.api.stop_timeout",
    ],
    [
      "a fractional millisecond duration",
      { supervisor: { metrics_interval: 2.5 } },
      "supervisor.metrics_interval",
    ],
    [
      "a wrong type for a boolean",
      { processes: { api: { command: "x", autostart: "yes" } } },
      "processes.api.autostart",
    ],
    [
      "an unknown restart policy",
      { processes: { api: { command: "x", restart: "sometimes" } } },
      "processes.api.restart",
    ],
  ])("%s", (_what, data, path) => {
    const issues = issuesOf(data);
    expect(issues).toEqual([{ path, message: expect.stringMatching(/expected/) }]);
  });
});

describe("forking services", () => {
  test("a type other than simple or forking, and a pid_file without type = forking, are refused", () => {
    expect(issuesOf({ processes: { db: { command: ["pg"], type: "oneshot" } } })).toEqual([
      {
        path: "processes.db.type",
        message: 'expected "simple" or "forking" (a program that daemonizes itself)',
      },
    ]);
    expect(issuesOf({ processes: { db: { command: ["pg"], pid_file: "/run/pg.pid" } } })).toEqual([
      {
        path: "processes.db.pid_file",
        message: 'pid_file names the main process of a forking service: add type = "forking", or remove it',
      },
    ]);
  });

  test("a relative pid_file is relative to the config file's directory", () => {
    const config = buildConfig(
      "/etc/tend/tend.toml",
      {
        processes: { db: { command: ["pg"], type: "forking", pid_file: "run/pg.pid" } },
      },
      {},
    );
    expect(config.processes.map((p) => [p.type, p.pidFile])).toEqual([["forking", "/etc/tend/run/pg.pid"]]);
  });
});

describe("replicated processes", () => {
  test.each([0, -1, 1.5, "3", 1001])("instances = %p is refused, saying what belongs there", (instances) => {
    expect(issuesOf({ processes: { web: { command: ["w"], instances } } })).toEqual([
      { path: "processes.web.instances", message: "expected a whole number of copies from 1 to 1000" },
    ]);
  });

  test("copies that would listen past port 65535 are refused", () => {
    expect(issuesOf({ processes: { web: { command: ["w"], instances: 3, port: 65_534 } } })).toEqual([
      {
        path: "processes.web.instances",
        message: "3 copies from port 65534 would go past port 65535 (copy i listens on port + i)",
      },
    ]);
  });

  test("a dependency on a replicated process may be started or healthy, not completed or succeeded", () => {
    const web = { command: ["w"], instances: 2 };
    for (const condition of ["completed", "succeeded"])
      expect(
        issuesOf({ processes: { web, api: { command: ["a"], depends_on: { web: condition } } } }),
      ).toEqual([
        {
          path: "processes.api.depends_on.web",
          message:
            'web is replicated (instances): only "started" or "healthy" (every replica) can be waited for',
        },
      ]);
    expect(
      buildConfig(
        "/etc/tend/tend.toml",
        { processes: { web, api: { command: ["a"], depends_on: { web: "healthy" } } } },
        {},
      ).processes.map((p) => [p.name, p.instances]),
    ).toEqual([
      ["web", 2],
      ["api", null],
    ]);
  });

  test("a written name may not hold ':' (replica names only)", () => {
    expect(issuesOf({ processes: { "web:0": { command: ["w"] } } })[0]?.message).toMatch(
      /not a valid process name/,
    );
  });
});
