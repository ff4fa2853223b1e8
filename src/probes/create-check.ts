import type { ProbeCheckSpec } from "../config/probe-spec.ts";
import type { LineStream } from "../logs/line-stream.ts";
import { execCheck } from "./exec.ts";
import { httpCheck } from "./http.ts";
import { logCheck } from "./log.ts";
import { tcpCheck } from "./tcp.ts";
import type { ProbeCheck } from "./types.ts";

// What a check may need from the process it looks at.
export interface CheckContext {
  process: string;
  cwd: string | null;
  env: Record<string, string>; // for exec checks: the supervisor's environment and the process's `env`
  lines: LineStream;
}

export type CheckFactory = (spec: ProbeCheckSpec, ctx: CheckContext) => ProbeCheck;

export const createCheck: CheckFactory = (spec, ctx) => {
  switch (spec.type) {
    case "http":
      return httpCheck(spec);
    case "tcp":
      return tcpCheck(spec.host, spec.port);
    case "exec":
      return execCheck({ argv: spec.argv, cwd: ctx.cwd, env: ctx.env });
    case "log":
      return logCheck(ctx.lines, ctx.process, spec.pattern);
  }
};
