import { parseProgress } from "../../domain/progress.ts";
import { bool, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import { progressText } from "../format.ts";
import type { Command } from "./types.ts";

// Run from inside a supervised child: TEND_PROCESS names it and TEND_SOCKET reaches the
// supervisor, both put in every child's environment by tend.
export const progress: Command = {
  name: "progress",
  usage: 'tend progress 42% | 0.42 [--message "…"] [--process NAME] [--json]',
  summary: "report the progress of a long task from inside it (TEND_PROCESS names the process)",
  flags: {
    ...CLIENT_FLAGS,
    message: { takes: "value", alias: "-m" },
    process: { takes: "value" },
    json: { takes: "bool" },
  },
  async run(args, io) {
    const [value, ...extra] = args.positionals;
    if (value === undefined || extra.length)
      throw usageError("tend progress takes one value: a percent (42%) or a fraction (0.42)", "progress");
    const fraction = parseProgress(value);
    if (fraction === null)
      throw usageError(
        `${value}: expected a percent like 42% or a fraction from 0 to 1 like 0.42`,
        "progress",
      );
    const name = str(args, "process") ?? io.env.TEND_PROCESS;
    if (!name)
      throw usageError("tend progress runs inside a supervised process, or give --process NAME", "progress");
    const message = str(args, "message");
    const client = await clientFor(args, io);
    const p = await client.progress(name, {
      progress: fraction,
      ...(message === undefined ? {} : { message }),
    });
    // Run by the task itself, its stdout is the task's own log: nothing is printed there unless
    // asked (--json) or a person runs it at a terminal.
    if (bool(args, "json")) printJson(io, p);
    else if (io.isTty) io.out(`${p.name}: ${p.progress ? progressText(p.progress) : "-"}\n`);
    return 0;
  },
};
