// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the syntax under test, not a template.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvFile } from "../../src/config/env-file.ts";
import { expandVars, UnsetVariableError } from "../../src/config/expand-vars.ts";
import { ConfigError } from "../../src/config/issues.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { TendError } from "../../src/errors.ts";
import { childCommand } from "../../src/supervisor/child-env.ts";
import { tempDir } from "../helpers/temp.ts";

const VARS: Record<string, string> = { HOST: "db.local", PORT: "5432", EMPTY: "" };
const lookup = (n: string) => VARS[n];

describe("expandVars", () => {
  test.each([
    ["plain text", "plain text"],
    ["${HOST}:${PORT}", "db.local:5432"],
    ["$$", "$"],
    ["$${HOST}", "${HOST}"],
    ["cost: $$5", "cost: $5"],
    ["$HOST and $1 stay as written", "$HOST and $1 stay as written"],
    ["trailing $", "trailing $"],
    ["${MISSING:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY}", ""],
    ["${MISSING:-}", ""],
    ["${PORT:-1}", "5432"],
  ])("%p → %p", (text, out) => {
    expect(expandVars(text, lookup)).toBe(out);
  });

  test("an unset variable without a fallback is an error naming it", () => {
    expect(() => expandVars("x${MISSING}", lookup)).toThrow(UnsetVariableError);
    expect(() => expandVars("x${MISSING}", lookup)).toThrow("${MISSING} is not set");
  });
});

describe("expand_env in the config", () => {
  test("malformed references are config errors with their key paths, with the other errors at once", () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(
      file,
      `[processes.api]
command = ["server", "--url=\${URL", "--ok=\${OK}"]
env = { A = "\${1X}", B = "$$\{fine}" }
expand_env = true
restart = "sometimes"

[processes.off]
command = ["server", "\${NOT_CHECKED"]
`,
    );
    let error: unknown = null;
    try {
      loadConfig(file, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
      "processes.api.command[1]",
      "processes.api.env.A",
      "processes.api.restart",
    ]);
  });

  test("expand_env defaults to off", () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, `[processes.api]\ncommand = ["echo", "\${HOME}"]\n`);
    expect(loadConfig(file, {}).processes[0]?.expandEnv).toBe(false);
  });
});

describe("childCommand", () => {
  const spec = {
    name: "api",
    argv: ["server", "--db=${DB_URL}", "--name=${TEND_PROCESS}", "$$literal"],
    env: { DB_URL: "postgres://${DB_HOST}:${DB_PORT:-5432}/app", GREETING: "hi ${USER}" },
    envFile: null as string | null,
    expandEnv: true,
  };
  const markers = { TEND_PROCESS: "api", TEND_RUN: "7" };

  test("env values see the supervisor's env, the account, env_file and earlier entries; argv sees all", () => {
    using dir = tempDir();
    const envFile = join(dir.path, "api.env");
    writeFileSync(envFile, `# the database\nexport DB_HOST="db.internal"\nTEND_RUN=overridden\n`);
    const { argv, env } = childCommand(
      { ...spec, envFile },
      { PATH: "/bin", USER: "root" },
      { USER: "svc" },
      markers,
    );
    expect(argv).toEqual(["server", "--db=postgres://db.internal:5432/app", "--name=api", "$literal"]);
    expect(env).toEqual({
      PATH: "/bin",
      USER: "svc",
      DB_HOST: "db.internal",
      DB_URL: "postgres://db.internal:5432/app",
      GREETING: "hi svc",
      TEND_PROCESS: "api",
      TEND_RUN: "7", // markers win over env_file and env
    });
  });

  test("without expand_env everything is passed as written", () => {
    const { argv, env } = childCommand({ ...spec, expandEnv: false }, {}, {}, markers);
    expect({ argv, db: env.DB_URL }).toEqual({ argv: spec.argv, db: spec.env.DB_URL });
  });

  test("an unset variable refuses the start, naming the process and key", () => {
    let error: unknown = null;
    try {
      childCommand(spec, {}, {}, markers);
    } catch (e) {
      error = e;
    }
    expect({ code: (error as TendError).code, message: (error as Error).message }).toEqual({
      code: "SPAWN_FAILED",
      message: "processes.api.env.DB_URL: ${DB_HOST} is not set (write ${DB_HOST:-} to allow empty)",
    });
  });
});

describe("env_file values are data, never expanded", () => {
  test("quotes, comments and export as before; ${...} kept literally", () => {
    expect(parseEnvFile(`export A="\${B}" # note\nC='$$x'\nD=\${E}\n`)).toEqual({
      A: "${B}",
      C: "$$x",
      D: "${E}",
    });
  });
});
