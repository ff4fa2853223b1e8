import { resolve } from "node:path";
import type { LogSettings } from "../logs/process-logs.ts";
import { normalizeSignal } from "../proc/signals.ts";
import type { RestartPolicy } from "./policies.ts";
import { expandPreset, type PresetExpansion } from "./presets.ts";
import { type ParsedProbe, type ProcessProbes, toProbeSpec } from "./probe-spec.ts";
import { type ParsedProcess, processSchema } from "./schema.ts";

export type { RestartPolicy } from "./policies.ts";

export type DependencyCondition = "started" | "healthy" | "completed" | "succeeded";

export interface Dependency {
  name: string;
  condition: DependencyCondition;
}

export interface BackoffPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  jitter: number; // fraction, 0..1
  resetAfterMs: number;
}

export interface Schedule {
  expression: string; // 5-field cron or a nickname (schedule-expression.ts)
  timezone: string | null; // null: the host's
}

export interface WatchSpec {
  patterns: string[]; // globs relative to cwd
  ignore: string[];
  debounceMs: number;
}

// A process as the supervisor runs it: resolved, with units in the names.
export interface ProcessSpec {
  name: string;
  type: "simple" | "forking"; // forking: the program daemonizes; the run is its main process
  pidFile: string | null;
  argv: string[]; // empty with `script`: the command line is package.json's, read at each start
  script: string | null; // a script of package.json in cwd, run as its package manager would
  cwd: string | null;
  env: Record<string, string>;
  envFile: string | null;
  expandEnv: boolean; // ${VAR} in argv and env values, expanded at each start
  user: string | null; // run as this account (the supervisor is root)
  group: string | null;
  autostart: boolean;
  restart: RestartPolicy;
  backoff: BackoffPolicy;
  maxRestarts: number;
  successExitCodes: number[];
  stopSignal: string;
  stopTimeoutMs: number;
  maxMemoryBytes: number | null; // restart when the tree's RSS stays above this
  timeoutMs: number | null; // a run still going after this is stopped (reason timeout)
  schedule: Schedule | null; // start at these times (a task)
  restartSchedule: Schedule | null; // restart at these times (a service)
  watch: WatchSpec | null; // restart when a matching file changes
  environment: string | null; // the `tend up --env` selection applied to this spec
  logs: LogSettings;
  progressPattern: string | null; // regex; its first group is a percent or a fraction
  probes: ProcessProbes;
  port: number | null; // checked free before each start
  instances: number | null; // replicated: NAME:0 … NAME:N-1 (replicas.ts); null: one process
  replica: { of: string; index: number } | null; // one copy of a replicated process
  probeOwnerCheck: boolean; // a TCP probe of a local port must find the listener in the run's tree
  dependsOn: Dependency[];
  preset: PresetExpansion | null;
  image: string | null; // for `tend export kubernetes` only
  // What was written (a table: the schema accepted it), kept so reload can compare and run-time
  // processes can be persisted.
  raw: Record<string, unknown>;
}

// `environment`: the `tend up --env` selection; a process without that environment runs as written.
export function toProcessSpec(
  name: string,
  written: ParsedProcess,
  raw: unknown,
  baseDir: string | null,
  environment: string | null = null,
): ProcessSpec {
  const { p, preset } = applyPreset(written, raw);
  const chosen = environment === null ? undefined : p.environments[environment];
  const argv =
    p.command === undefined
      ? []
      : typeof p.command === "string"
        ? ["/bin/sh", "-c", p.command]
        : [...p.command];
  // Paths in the config file mean what they say wherever tend was started: a relative program
  // or cwd is relative to the file's directory, and without cwd a process runs there. A bare
  // program name is looked up on the process's PATH when it starts.
  const program = argv[0];
  if (program !== undefined && baseDir !== null && program.includes("/") && !program.startsWith("/"))
    argv[0] = resolve(baseDir, program);
  const envFile = chosen?.env_file ?? p.env_file;
  const scheduleOf = (expression: string | undefined): Schedule | null =>
    expression === undefined ? null : { expression, timezone: p.timezone ?? null };
  return {
    name,
    type: p.type,
    pidFile: p.pid_file ? resolveFrom(baseDir, p.pid_file) : null,
    argv,
    script: p.script ?? null,
    cwd: p.cwd ? resolveFrom(baseDir, p.cwd) : baseDir,
    env: { ...p.env, ...chosen?.env },
    envFile: envFile ? resolveFrom(baseDir, envFile) : null,
    expandEnv: p.expand_env,
    user: p.user ?? null,
    group: p.group ?? null,
    // A scheduled task waits for its time unless it says autostart = true.
    autostart: chosen?.autostart ?? p.autostart ?? p.schedule === undefined,
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
    maxMemoryBytes: p.max_memory ?? null,
    timeoutMs: p.timeout ?? null,
    schedule: scheduleOf(p.schedule),
    restartSchedule: scheduleOf(p.restart_schedule),
    watch: p.watch.length
      ? { patterns: p.watch, ignore: p.watch_ignore, debounceMs: p.watch_debounce }
      : null,
    environment: chosen ? environment : null,
    logs: {
      maxBytes: p.log_max_size,
      keep: p.log_keep,
      compress: p.log_compress,
      timestamps: p.log_timestamps,
      merge: p.log_merge,
      lineMaxBytes: Math.max(1, p.log_line_max),
    },
    progressPattern: p.progress_pattern ?? null,
    probes: {
      startup: probeOf(p.startup),
      readiness: probeOf(p.readiness),
      liveness: probeOf(p.liveness),
    },
    port: p.port ?? null,
    instances: chosen?.instances ?? p.instances ?? null,
    replica: null,
    probeOwnerCheck: p.probe_owner_check,
    dependsOn: Object.entries(p.depends_on).map(([dep, condition]) => ({ name: dep, condition })),
    preset,
    image: p.image ?? null,
    raw: raw as Record<string, unknown>,
  };
}

// The process table with its preset's keys under it, parsed again so the preset's keys get the
// same defaults and checks as written ones.
function applyPreset(p: ParsedProcess, raw: unknown): { p: ParsedProcess; preset: PresetExpansion | null } {
  if (!p.preset) return { p, preset: null };
  const { input, expansion } = expandPreset(raw, { ...p, preset: p.preset });
  return { p: processSchema.parse(input), preset: expansion };
}

function probeOf(p: ParsedProbe | undefined) {
  return p ? toProbeSpec(p) : null;
}

function resolveFrom(baseDir: string | null, path: string): string {
  return baseDir === null ? resolve(path) : resolve(baseDir, path);
}
