import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { bool, type ParsedArgs, str } from "../args.ts";
import { CliError, EXIT, usageError } from "../cli-error.ts";
import type { Io } from "../io.ts";
import type { Command } from "./types.ts";

// Verbs that read a config file locally; zod and the loaders are imported only here.
export const check: Command = {
  name: "check",
  usage: "tend check [-c FILE] [--env NAME] [--schema-only] [--json]",
  summary: "validate a config file, and that this host can start it; exit 1 listing every error",
  noArguments: "use -c FILE",
  flags: {
    config: { takes: "value", alias: "-c" },
    json: { takes: "bool" },
    env: { takes: "value" },
    "schema-only": { takes: "bool" },
  },
  async run(args, io) {
    const { loadConfig } = await import("../../config/load.ts");
    const { ConfigError } = await import("../../config/issues.ts");
    const { hostIssues } = await import("../../supervisor/host-check.ts");
    const file = str(args, "config") ?? defaultConfigFile(io.env);
    try {
      const config = loadConfig(file, io.env, undefined, environmentFlag(args, "check"));
      // --schema-only: the file alone, for a config meant for another machine.
      const issues = bool(args, "schema-only") ? [] : hostIssues(config, io.env);
      if (issues.length) throw new ConfigError(config.file ?? file, issues);
      // A foreign file (a Procfile, …): what it could not carry over, as tend up says it.
      if (config.importNotes !== null) io.err(config.importNotes);
      if (bool(args, "json"))
        io.out(
          `${JSON.stringify({ ok: true, file: config.file, processes: config.processes.length }, null, 2)}\n`,
        );
      else io.out(`${config.file}: ok, ${config.processes.length} process(es)\n`);
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // The issues as the API gives a refused config's (error.issues): {path, message} each.
      if (bool(args, "json"))
        io.out(`${JSON.stringify({ ok: false, file: err.file, issues: err.issues }, null, 2)}\n`);
      else io.err(`${err.message}\n`);
      return EXIT.failed;
    }
  },
};

export const schema: Command = {
  name: "schema",
  usage: "tend schema",
  summary: "print the config file's JSON Schema",
  noArguments: true,
  flags: {},
  async run(_args, io) {
    const { configJsonSchema } = await import("../../config/schema.ts");
    io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return EXIT.ok;
  },
};

// --env NAME: an empty name is a mistake, not "no environment".
export function environmentFlag(args: ParsedArgs, verb: string): string | null {
  const env = str(args, "env");
  if (env !== undefined && env.trim() === "") throw usageError("--env needs an environment name", verb);
  return env ?? null;
}

export function defaultConfigFile(env: Record<string, string | undefined>): string {
  if (env.TEND_CONFIG) return env.TEND_CONFIG;
  if (process.getuid?.() === 0) return "/etc/tend/tend.toml";
  return "tend.toml";
}

export const up: Command = {
  name: "up",
  usage: "tend up [-c FILE] [--env NAME] [--log-format text|json] [-d]",
  summary: "run the supervisor in the foreground (what systemd runs); -d: in the background",
  noArguments: "use -c FILE",
  flags: {
    config: { takes: "value", alias: "-c" },
    env: { takes: "value" },
    "log-format": { takes: "value" },
    detach: { takes: "bool", alias: "-d" },
  },
  async run(args, io) {
    const format = str(args, "log-format") ?? "text";
    if (format !== "text" && format !== "json")
      throw usageError(`--log-format ${format}: use text or json`, "up");
    const given = str(args, "config");
    const file = resolve(given ?? defaultConfigFile(io.env));
    // Without -c and without a config file where it is looked for: an empty supervisor that
    // `tend add` fills (its file is read by a later reload once it exists).
    const empty = given === undefined && !existsSync(file);
    const environment = environmentFlag(args, "up");
    if (bool(args, "detach")) {
      const { detachedUp } = await import("../detached-up.ts");
      return detachedUp(file, empty, environment, format, io);
    }
    // Checked in a child, so the supervisor never loads zod and the schemas (load-isolated.ts).
    const { loadConfigIsolated } = await import("../../config/load-isolated.ts");
    const { ConfigError } = await import("../../config/issues.ts");
    const { runDaemon } = await import("../../daemon/run.ts");
    let config: import("../../config/load.ts").Config;
    try {
      config = await loadConfigIsolated(file, io.env, environment, empty ? "" : undefined);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message, EXIT.failed);
      throw err;
    }
    if (empty) io.err(`tend: no config file at ${file}: starting with no processes (tend add adds them)\n`);
    if (config.importNotes !== null) io.err(config.importNotes);
    return runDaemon(config, format);
  },
};

// `tend __load-config FILE`, the child of loadConfigIsolated: the checked config, or its errors,
// as JSON on stdout. Not a verb people use, so not in COMMANDS or the help.
export async function loadConfigChild(argv: string[], io: Io): Promise<number> {
  const { loadConfig } = await import("../../config/load.ts");
  const { ConfigError } = await import("../../config/issues.ts");
  const { configErrorToJson, configToJson } = await import("../../config/load-isolated.ts");
  const [file, environment = null] = argv;
  if (file === undefined || argv.length > 2) throw usageError("usage: tend __load-config FILE [ENV] < TEXT");
  // The supervisor read the file and sends its text: /dev/stdin or a FIFO as the config works,
  // and this child can never hang on the file itself.
  const text = await Bun.stdin.text();
  try {
    io.out(`${configToJson(loadConfig(file, io.env, text, environment))}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.out(`${configErrorToJson(err)}\n`);
    return EXIT.failed;
  }
}
