import { resolve } from "node:path";
import { normalizeSignal } from "../proc/signals.ts";
import type { ParsedProcess } from "./schema.ts";

export type RestartPolicy = "always" | "on-failure" | "never";

export interface BackoffPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  jitter: number; // fraction, 0..1
  resetAfterMs: number;
}

// A process as the supervisor runs it: resolved, with units in the names.
export interface ProcessSpec {
  name: string;
  argv: string[];
  cwd: string | null;
  env: Record<string, string>;
  envFile: string | null;
  autostart: boolean;
  restart: RestartPolicy;
  backoff: BackoffPolicy;
  maxRestarts: number;
  successExitCodes: number[];
  stopSignal: string;
  stopTimeoutMs: number;
  // What was written, kept so reload can compare and run-time processes can be persisted.
  raw: unknown;
}

export function toProcessSpec(
  name: string,
  p: ParsedProcess,
  raw: unknown,
  baseDir: string | null,
): ProcessSpec {
  const argv = typeof p.command === "string" ? ["/bin/sh", "-c", p.command] : p.command;
  return {
    name,
    argv,
    cwd: p.cwd ? resolveFrom(baseDir, p.cwd) : null,
    env: p.env,
    envFile: p.env_file ? resolveFrom(baseDir, p.env_file) : null,
    autostart: p.autostart,
    restart: p.restart,
    backoff: {
      initialMs: p.backoff.initial,
      factor: p.backoff.factor,
      maxMs: Math.max(p.backoff.max, p.backoff.initial),
      jitter: p.backoff.jitter,
      resetAfterMs: p.backoff.reset_after,
    },
    maxRestarts: p.max_restarts,
    successExitCodes: p.success_exit_codes,
    stopSignal: normalizeSignal(p.stop_signal) ?? "SIGTERM",
    stopTimeoutMs: p.stop_timeout,
    raw,
  };
}

function resolveFrom(baseDir: string | null, path: string): string {
  return baseDir === null ? resolve(path) : resolve(baseDir, path);
}

// Two specs are the same run if everything but the raw text is equal.
export function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  const { raw: _a, ...restA } = a;
  const { raw: _b, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}
