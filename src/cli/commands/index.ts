import { add, rm } from "./add.ts";
import { check, schema, up } from "./config.ts";
import { pause, restart, resume, signal, start, stop } from "./control.ts";
import { events, history } from "./history.ts";
import { logs } from "./logs.ts";
import { progress } from "./progress.ts";
import { ps, status } from "./ps.ts";
import { down, reload } from "./system.ts";
import { systemdUnit } from "./systemd-unit.ts";
import { top } from "./top.ts";
import type { Command } from "./types.ts";
import { wait } from "./wait.ts";

export const COMMANDS: readonly Command[] = [
  up,
  check,
  ps,
  top,
  status,
  start,
  stop,
  restart,
  signal,
  pause,
  resume,
  wait,
  logs,
  add,
  rm,
  reload,
  history,
  events,
  progress,
  down,
  systemdUnit,
  schema,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
