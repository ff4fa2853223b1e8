import type { FlagSpec } from "../args.ts";
import type { Io } from "../io.ts";

export interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec;
  run(args: import("../args.ts").ParsedArgs, io: Io): Promise<number>;
}
