import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { selfCommand } from "../../self-command.ts";
import { bool, str } from "../args.ts";
import { CliError, EXIT } from "../cli-error.ts";
import type { Io } from "../io.ts";
import { defaultConfigFile, environmentFlag } from "./config.ts";
import type { Command } from "./types.ts";

export const systemdUnit: Command = {
  name: "systemd-unit",
  usage: "tend systemd-unit [-c FILE] [--env NAME] [--user]",
  summary: "print a systemd unit that runs this binary's `tend up` (--user: for a user manager)",
  noArguments: "use -c FILE",
  flags: { config: { takes: "value", alias: "-c" }, env: { takes: "value" }, user: { takes: "bool" } },
  async run(args, io) {
    const file = str(args, "config") ?? defaultConfigFile(io.env);
    io.out(await unitFor(file, bool(args, "user"), environmentFlag(args, "systemd-unit"), io));
    return EXIT.ok;
  },
};

async function unitFor(file: string, user: boolean, environment: string | null, io: Io): Promise<string> {
  const { buildConfig, loadConfig } = await import("../../config/load.ts");
  const { ConfigError } = await import("../../config/issues.ts");
  const { ROOT_PATHS } = await import("../../config/paths.ts");
  const { renderUnit } = await import("../../systemd/unit-file.ts");
  const { longestStopChainMs } = await import("../../systemd/stop-budget.ts");
  const { VERSION } = await import("../../version.ts");
  const configPath = resolve(file);
  // The paths `tend up` resolves under systemd: a system unit runs as root with a clean
  // environment; a user unit runs as this user, without our TEND_* overrides.
  const env: Record<string, string | undefined> = user
    ? Object.fromEntries(Object.entries(io.env).filter(([k]) => !k.startsWith("TEND_")))
    : {
        TEND_SOCKET: ROOT_PATHS.socket,
        TEND_STATE_DIR: ROOT_PATHS.stateDir,
        TEND_LOG_DIR: ROOT_PATHS.logDir,
      };
  const configFound = existsSync(configPath);
  if (!configFound) io.err(`tend systemd-unit: ${configPath} does not exist yet; assuming the defaults\n`);
  let config: import("../../config/load.ts").Config;
  try {
    config = configFound
      ? loadConfig(configPath, env, undefined, environment)
      : buildConfig(configPath, {}, env, environment);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.failed);
    throw err;
  }
  const { exec, fromSources } = selfCommand();
  const s = config.supervisor;
  return renderUnit({
    exec,
    fromSources,
    configPath,
    configFound,
    environment,
    socketPath: s.socketPath,
    socketGroup: s.socketGroup,
    stateDir: s.stateDir,
    logDir: s.logDir,
    // At least the default stop_timeout, for processes added at run time.
    stopBudgetMs: Math.max(10_000, longestStopChainMs(config.processes)),
    mode: user ? "user" : "system",
    runtimeBase: user ? (env.XDG_RUNTIME_DIR ?? null) : "/run",
    version: VERSION,
  });
}
