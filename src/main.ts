#!/usr/bin/env bun
import { bundleFor, verbFirst } from "./entry/choose.ts";
import { libcExec, runtimeEnvPlan } from "./entry/runtime-env.ts";

// The entry point loads one of two bundles (`npm run build` embeds both) and is the only place
// that exits the process, once the verb's output is out. The specifier is built at run time so
// the bundler leaves each entry in its own file instead of inlining both here.
const argv = verbFirst(process.argv.slice(2));
if (argv[0] === "up") {
  // execve returns only if it failed: then tend up runs as it is, the idle collections on.
  const plan = runtimeEnvPlan(process.env);
  if (plan) {
    const failed = (await libcExec())(plan.path, plan.argv, plan.env);
    process.stderr.write(`tend: warn: ${failed}; the runtime's idle collections stay on\n`);
  }
}
const entry = `./entry/${bundleFor(argv)}.ts`;
const { main }: { main(argv: string[]): Promise<number> } = await import(entry);
process.exit(await main(argv));
