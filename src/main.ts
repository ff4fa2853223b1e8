#!/usr/bin/env bun
import { processIo } from "./cli/io.ts";
import { run } from "./cli/run.ts";

// The entry point: the only place that exits the process.
const code = await run(process.argv.slice(2), processIo);
process.exit(code);
