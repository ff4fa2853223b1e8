import { CLIENT_COMMANDS } from "./client-verbs.ts";
import { completionCommand } from "./completion.ts";
import { check, schema, up } from "./config.ts";
import { exportCommand } from "./export.ts";
import { importCommand } from "./import.ts";
import { systemdUnit } from "./systemd-unit.ts";
import type { Command } from "./types.ts";

// Every verb, in the order the help lists them.
export const COMMANDS: readonly Command[] = [
  up,
  check,
  ...CLIENT_COMMANDS,
  systemdUnit,
  exportCommand,
  importCommand,
  schema,
  completionCommand(() => COMMANDS),
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
