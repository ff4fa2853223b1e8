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
  run(args: import("../args.ts").ParsedArgs, io: Io): Promise<number>;
}
