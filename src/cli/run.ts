import { VERSION } from "../version.ts";
import { parseArgs } from "./args.ts";
import { CliError, EXIT, usageError } from "./cli-error.ts";
import { loadConfigChild } from "./commands/config.ts";
import { COMMANDS, findCommand } from "./commands/index.ts";
import type { Io } from "./io.ts";

// The whole CLI as a function of argv: it returns the exit code and never calls process.exit.
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    const [verb, ...rest] = argv;
    if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
      if (rest[0] !== undefined && !findCommand(rest[0]))
        throw usageError(`tend help: unknown command "${rest[0]}"`);
      io.out(help(rest[0]));
      return verb === undefined ? EXIT.usage : EXIT.ok;
    }
    if (verb === "--version" || verb === "-V" || verb === "version") {
      io.out(`tend ${VERSION}\n`);
      return EXIT.ok;
    }
    if (verb === "__load-config") return await loadConfigChild(rest, io);
    const cmd = findCommand(verb);
    if (!cmd) throw usageError(`tend: unknown command "${verb}"`);
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(help(verb));
      return EXIT.ok;
    }
    const args = parseArgs(verb, rest, cmd.flags);
    if (cmd.noArguments && args.positionals.length) {
      const hint = typeof cmd.noArguments === "string" ? `; ${cmd.noArguments}` : "";
      throw usageError(`tend ${verb} takes no arguments${hint}`, verb);
    }
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`${err.message}\n`);
      return err.exitCode;
    }
    io.err(`tend: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

export function help(verb?: string): string {
  if (verb) {
    const cmd = findCommand(verb);
    if (!cmd) return `tend: unknown command "${verb}"\n`;
    return `usage: ${cmd.usage}\n\n${cmd.summary}\n\nclient verbs also take --socket PATH or -c FILE to find the supervisor.\n`;
  }
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `tend ${VERSION}: a process supervisor for one Linux host\n\nusage: tend VERB [options]\n\n${lines.join("\n")}\n\ntend help VERB for a verb's options. Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 supervisor unreachable.\n`;
}
