#!/usr/bin/env bun
import { flushOutput, processIo } from "./cli/io.ts";
import { run } from "./cli/run.ts";

// The entry point: the only place that exits the process, once its output is out.
const code = await run(process.argv.slice(2), processIo);
await flushOutput();
process.exit(code);
