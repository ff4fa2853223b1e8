import type { ProbeCheckSpec } from "../config/probe-spec.ts";
import type { LineStream } from "../logs/line-stream.ts";
import { type ExecCommand, execCheck } from "./exec.ts";
import { httpCheck } from "./http.ts";
import { logCheck } from "./log.ts";
import { tcpCheck } from "./tcp.ts";
import type { ProbeCheck } from "./types.ts";

// What a check may need from the process it looks at.
export interface CheckContext {
  process: string;
  // How an exec check's command runs: as the process runs (its account, cwd and environment).
  command: (argv: string[]) => ExecCommand;
  // Whether the run's tree holds one of these sockets: a TCP check of a local port passes only
  // if it holds the listening one (unless ownerCheck is off).
  holdsSocket: (inodes: Set<string>) => boolean;
  ownerCheck: boolean;
  lines: LineStream;
}

export type CheckFactory = (spec: ProbeCheckSpec, ctx: CheckContext) => ProbeCheck;

export const createCheck: CheckFactory = (spec, ctx) => {
  switch (spec.type) {
    case "http":
      return httpCheck(spec);
    case "tcp":
      return tcpCheck(spec.host, spec.port, ctx.ownerCheck ? ctx.holdsSocket : null);
    case "exec":
      return execCheck(() => ctx.command(spec.argv));
    case "log":
      return logCheck(ctx.lines, ctx.process, spec.pattern);
  }
};
