#!/usr/bin/env bun
import { bundleFor, verbFirst } from "./entry/choose.ts";

// The entry point loads one of two bundles (`npm run build` embeds both) and is the only place
// that exits the process, once the verb's output is out. The specifier is built at run time so
// the bundler leaves each entry in its own file instead of inlining both here.
const argv = verbFirst(process.argv.slice(2));
if (argv[0] === "up") {
  // execve returns only if it failed; then, or if anything before it fails, tend up runs as it
  // was started, with the runtime's idle collections on, and says so.
  try {
    const { libcExec, runtimeEnvPlan } = await import("./entry/runtime-env.ts");
    const plan = runtimeEnvPlan(process.env);
    if (plan) throw new Error((await libcExec())(plan.path, plan.argv, plan.env));
  } catch (err) {
    process.stderr.write(`tend: warn: ${(err as Error).message}; the runtime's idle collections stay on\n`);
  }
}
const entry = `./entry/${bundleFor(argv)}.ts`;
const { main }: { main(argv: string[]): Promise<number> } = await import(entry);
process.exit(await main(argv));
