import { flushOutput, processIo } from "../cli/io.ts";
import { run } from "../cli/run.ts";

// The full bundle: every verb, `tend up` among them (see choose.ts).
export async function main(argv: string[]): Promise<number> {
  const code = await run(argv, processIo);
  await flushOutput();
  return code;
}
