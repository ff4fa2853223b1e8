import { add, rm } from "./add.ts";
import { names } from "./completion.ts";
import { pause, reset, restart, resume, scale, set, signal, start, stop } from "./control.ts";
import { dashboard } from "./dashboard.ts";
import { events, history } from "./history.ts";
import { logs } from "./logs.ts";
import { progress } from "./progress.ts";
import { ls, ps, status } from "./ps.ts";
import { down, reload } from "./system.ts";
import { top } from "./top.ts";
import type { Command } from "./types.ts";
import { wait } from "./wait.ts";

// The verbs that only talk to a running supervisor: all the client bundle holds (src/main.ts).
// Nothing reachable from here may import the config loader, the supervisor or the API server.
export const CLIENT_COMMANDS: readonly Command[] = [
  ps,
  ls,
  top,
  status,
  start,
  stop,
  restart,
  signal,
  scale,
  pause,
  resume,
  reset,
  set,
  wait,
  logs,
  add,
  rm,
  reload,
  history,
  events,
  progress,
  down,
  dashboard,
  names,
];
