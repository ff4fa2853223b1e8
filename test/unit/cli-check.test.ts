import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/cli/run.ts";
import { recordingIo } from "../helpers/recording-io.ts";
import { tempDir } from "../helpers/temp.ts";

const BAD = `
[supervisor]
socket_mode = "0600"

[processes.api]
command = ["bun", "server.ts"]
stop_timeout = "ten seconds"
restart = "sometimes"
stop_signal = "SIGFOO"
max_restarts = -1

[processes."../x"]
command = ["true"]
`;

const BAD_PATHS = [
  "supervisor.socket_mode",
  "processes.api.stop_timeout",
  "processes.api.restart",
  "processes.api.stop_signal",
  "processes.api.max_restarts",
  'processes["../x"]',
];

// Programs every host has: `tend check` also looks for them on the PATH.
const GOOD = `[processes.api]\ncommand = ["sleep", "1"]\n[processes.worker]\ncommand = "sleep 1"\n`;

describe("tend check", () => {
  test("a bad file: exit 1, the file and every key path on stderr", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, BAD);
    const io = recordingIo();
    const code = await run(["check", "-c", file], io);
    expect({
      code,
      stdout: io.stdout,
      firstLine: io.stderr.split("\n")[0],
      missing: BAD_PATHS.filter((p) => !io.stderr.includes(`  ${p}: `)),
    }).toEqual({ code: 1, stdout: "", firstLine: `${file}: 6 error(s)`, missing: [] });
  });

  test("a bad file with --json: exit 1 and every issue as data", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, BAD);
    const io = recordingIo();
    const code = await run(["check", "--json", "--config", file], io);
    const out = JSON.parse(io.stdout) as { ok: boolean; file: string; issues: { path: string }[] };
    expect({ code, ok: out.ok, file: out.file, paths: out.issues.map((e) => e.path).sort() }).toEqual({
      code: 1,
      ok: false,
      file,
      paths: [...BAD_PATHS].sort(),
    });
  });

  test("a good file: exit 0 and a one-line summary", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, GOOD);
    const io = recordingIo();
    const code = await run(["check", "-c", file], io);
    expect({ code, stdout: io.stdout, stderr: io.stderr }).toEqual({
      code: 0,
      stdout: `${file}: ok, 2 process(es)\n`,
      stderr: "",
    });
  });

  // Regression: an unknown socket_group passed tend check, and tend up failed after binding.
  test("an unknown socket_group is an error of this host; --schema-only lets it pass", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, `[supervisor]\nsocket_group = "no-such-group-xyz"\n${GOOD}`);
    const io = recordingIo();
    const code = await run(["check", "-c", file], io);
    const schemaOnly = await run(["check", "-c", file, "--schema-only"], recordingIo());
    expect({ code, stderr: io.stderr, schemaOnly }).toEqual({
      code: 1,
      stderr: `${file}: 1 error(s)\n  supervisor.socket_group: no group "no-such-group-xyz" in /etc/group\n`,
      schemaOnly: 0,
    });
  });

  test("without -c it checks $TEND_CONFIG", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.yaml");
    writeFileSync(file, "processes:\n  api:\n    command: [sleep, '1']\n");
    const io = recordingIo({ TEND_CONFIG: file });
    const code = await run(["check", "--json"], io);
    expect({ code, out: JSON.parse(io.stdout) }).toEqual({ code: 0, out: { ok: true, file, processes: 1 } });
  });

  test("a file that does not exist: exit 1 naming it", async () => {
    using dir = tempDir();
    const file = join(dir.path, "nope.toml");
    const io = recordingIo();
    const code = await run(["check", "-c", file], io);
    expect({ code, namesFile: io.stderr.startsWith(`${file}: 1 error(s)`) }).toEqual({
      code: 1,
      namesFile: true,
    });
  });

  test("a positional argument is a usage error", async () => {
    const io = recordingIo();
    expect(await run(["check", "tend.toml"], io)).toBe(2);
  });
});

describe("tend schema", () => {
  test("prints the config's JSON Schema; unknown keys are refused at every level", async () => {
    const io = recordingIo();
    const code = await run(["schema"], io);
    const schema = JSON.parse(io.stdout) as {
      $schema: string;
      additionalProperties: unknown;
      properties: {
        supervisor: { additionalProperties: unknown };
        processes: {
          propertyNames: { pattern: string };
          additionalProperties: {
            additionalProperties: unknown;
            oneOf: unknown[];
            properties: { backoff: { additionalProperties: unknown }; restart: { enum: string[] } };
          };
        };
      };
    };
    const proc = schema.properties.processes.additionalProperties;
    expect({
      code,
      draft: schema.$schema,
      top: schema.additionalProperties,
      supervisor: schema.properties.supervisor.additionalProperties,
      process: proc.additionalProperties,
      backoff: proc.properties.backoff.additionalProperties,
      required: proc.oneOf,
      restart: proc.properties.restart.enum,
      namePattern: schema.properties.processes.propertyNames.pattern,
    }).toEqual({
      code: 0,
      draft: "https://json-schema.org/draft/2020-12/schema",
      top: false,
      supervisor: false,
      process: false,
      backoff: false,
      required: [{ required: ["command"] }, { required: ["script"] }],
      restart: ["always", "on-failure", "never"],
      namePattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
    });
  });
});
