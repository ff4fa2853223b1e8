import { CLIENT_COMMANDS } from "../cli/commands/client-verbs.ts";
import { flushOutput, processIo } from "../cli/io.ts";
import { runVerb } from "../cli/run-verb.ts";

// The client bundle: verbs that talk to a running supervisor (see choose.ts).
export async function main(argv: string[]): Promise<number> {
  const code = await runVerb(CLIENT_COMMANDS, argv, processIo);
  await flushOutput();
  return code;
}
