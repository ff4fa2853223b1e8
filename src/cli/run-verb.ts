import { TendApiError } from "../client/index.ts";
import { VERSION_FLAGS } from "../entry/choose.ts";
import { VERSION } from "../version.ts";
import { parseArgs } from "./args.ts";
import { apiErrorText, CliError, EXIT, exitCodeOf, usageError } from "./cli-error.ts";
import type { Command } from "./commands/types.ts";
import type { Io } from "./io.ts";

// One command line against a table of verbs: --version, a verb's --help, its flags, its run.
// Both entry points use it; the full one adds the overview help and config-reading verbs.
export function runVerb(commands: readonly Command[], argv: string[], io: Io): Promise<number> {
  return reportErrors(io, async () => {
    const [verb = "", ...rest] = argv;
    if (VERSION_FLAGS.includes(verb)) {
      io.out(`tend ${VERSION}\n`);
      return EXIT.ok;
    }
    const cmd = commands.find((c) => c.name === verb);
    if (!cmd) throw usageError(`tend: unknown command "${verb}"`);
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(verbHelp(cmd));
      return EXIT.ok;
    }
    const args = parseArgs(verb, rest, cmd.flags);
    if (cmd.noArguments && args.positionals.length) {
      const hint = typeof cmd.noArguments === "string" ? `; ${cmd.noArguments}` : "";
      throw usageError(`tend ${verb} takes no arguments${hint}`, verb);
    }
    return await cmd.run(args, io);
  });
}

// Runs a command body; a failure becomes a message on stderr and the exit code it carries.
// Never calls process.exit.
export async function reportErrors(io: Io, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof TendApiError) {
      io.err(`tend: ${apiErrorText(err)}\n`);
      return exitCodeOf(err);
    }
    io.err(`tend: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

export function verbHelp(cmd: Command): string {
  return `usage: ${cmd.usage}\n\n${cmd.summary}\n\nclient verbs also take --socket PATH or -c FILE to find the supervisor.\n`;
}
