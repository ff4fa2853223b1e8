import type { FlagSpec } from "../args.ts";
import type { Io } from "../io.ts";

export interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec;
  // Set for verbs that take no positional arguments; a string is a hint appended to the error
  // ("use -c FILE"). run() refuses extra arguments before the verb runs.
  noArguments?: true | string;
  // Its arguments are process names: what shell completion offers after it.
  takesNames?: true;
  // Not listed by `tend help` (the helper verbs that completion scripts call).
  hidden?: true;
  run(args: import("../args.ts").ParsedArgs, io: Io): Promise<number>;
}
