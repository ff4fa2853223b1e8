import { add, rm } from "./add.ts";
import { check, schema, up } from "./config.ts";
import { pause, restart, resume, signal, start, stop } from "./control.ts";
import { events, history } from "./history.ts";
import { ps, status } from "./ps.ts";
import { down, reload } from "./system.ts";
import type { Command } from "./types.ts";

export const COMMANDS: readonly Command[] = [
  up,
  check,
  ps,
  status,
  start,
  stop,
  restart,
  signal,
  pause,
  resume,
  add,
  rm,
  reload,
  history,
  events,
  down,
  schema,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
