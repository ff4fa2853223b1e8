#!/usr/bin/env bun
import { bundleFor, verbFirst } from "./entry/choose.ts";

// The entry point loads one of two bundles (`npm run build` embeds both) and is the only place
// that exits the process, once the verb's output is out. The specifier is built at run time so
// the bundler leaves each entry in its own file instead of inlining both here.
const argv = verbFirst(process.argv.slice(2));
const entry = `./entry/${bundleFor(argv)}.ts`;
const { main }: { main(argv: string[]): Promise<number> } = await import(entry);
process.exit(await main(argv));
