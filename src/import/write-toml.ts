import type { Imported } from "./imported.ts";

// The imported processes as a tend.toml: a header naming the source, then a [processes.NAME]
// table per process, in the source's order.
export function importedToml(source: string, imported: Imported): string {
  const header = [
    `# Imported by tend import from ${source} (${imported.format}).`,
    "# What could not be carried over exactly was listed when it was imported; `tend check` checks it.",
    "",
    "",
  ].join("\n");
  return `${header}${Bun.TOML.stringify({ processes: imported.processes })}`;
}
