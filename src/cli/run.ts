import { LOAD_CONFIG_VERB } from "../config/load-isolated.ts";
import { EVAL_VERB } from "../import/pm2-eval.ts";
import { VERSION } from "../version.ts";
import { EXIT, usageError } from "./cli-error.ts";
import { loadConfigChild } from "./commands/config.ts";
import { COMMANDS, findCommand } from "./commands/index.ts";
import { provideConfigReader } from "./context.ts";
import type { Io } from "./io.ts";
import { reportErrors, runVerb, verbHelp } from "./run-verb.ts";

// A client verb given -c FILE finds the supervisor's socket in that config file.
provideConfigReader(async (file, env) => {
  const { loadConfig } = await import("../config/load.ts");
  return loadConfig(file, env).supervisor.socketPath;
});

// The whole CLI as a function of argv: it returns the exit code and never calls process.exit.
export function run(argv: string[], io: Io): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
    return reportErrors(io, async () => {
      const topic = rest[0];
      const cmd = topic === undefined ? undefined : findCommand(topic);
      if (topic !== undefined && !cmd) throw usageError(`tend help: unknown command "${topic}"`);
      io.out(cmd ? verbHelp(cmd) : overview());
      return verb === undefined ? EXIT.usage : EXIT.ok;
    });
  }
  if (verb === LOAD_CONFIG_VERB) return reportErrors(io, () => loadConfigChild(rest, io));
  // The child that evaluates a PM2 ecosystem .js file (it is code): its exports as JSON.
  if (verb === EVAL_VERB)
    return reportErrors(io, async () => {
      const { evaluateEcosystem } = await import("../import/pm2-eval.ts");
      const [file] = rest;
      if (file === undefined || rest.length > 1) throw usageError(`usage: tend ${EVAL_VERB} FILE`);
      io.out(`${await evaluateEcosystem(file)}\n`);
      return EXIT.ok;
    });
  return runVerb(COMMANDS, argv, io);
}

// Every verb with its summary: `tend`, `tend help`.
function overview(): string {
  const listed = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.name.length));
  const lines = listed.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `tend ${VERSION}: a process supervisor for one Linux host\n\nusage: tend VERB [options]\n\n${lines.join("\n")}\n\ntend help VERB for a verb's options. Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 supervisor unreachable.\n`;
}
