import { z } from "zod";
import { RESTART_POLICIES } from "../config/policies.ts";
import { ERROR_CODES } from "../errors.ts";
import { PROCESS_STATES } from "./types.ts";

// Every shape the control API answers with, declared once. The supervisor's types are inferred
// from these (type imports only: the running supervisor never loads zod for them), /openapi.json
// is generated from them, and so are the client's types (src/client/surface.gen.ts). Objects are
// strict: an answer with a key not declared here fails the contract test.
//
// Each named shape is registered under its name: /openapi.json lists it once under
// components.schemas and the client gets one TypeScript type for it. Descriptions stay zod's
// own (`.describe`); `idsOf()` adds the names for a z.toJSONSchema call.
const ids = new Map<z.ZodType, string>();
export const NAMED: [id: string, schema: z.ZodType][] = [];
export function nameShape<T extends z.ZodType>(id: string, schema: T): T {
  ids.set(schema, id);
  NAMED.push([id, schema]);
  return schema;
}
const named = <T extends z.ZodType>(id: string, schema: T, description?: string): T =>
  nameShape(id, description ? schema.describe(description) : schema);

// A metadata registry for z.toJSONSchema: zod's own (descriptions), with each named shape's id.
export function idsOf(): z.core.$ZodRegistry<z.core.JSONSchemaMeta> {
  const get = (schema: z.core.$ZodType) => {
    const meta = z.globalRegistry.get(schema);
    const id = ids.get(schema as z.ZodType);
    return id === undefined ? meta : { ...meta, id };
  };
  return { get } as unknown as z.core.$ZodRegistry<z.core.JSONSchemaMeta>;
}

const epochMs = z.number().int().describe("epoch milliseconds");
const ms = z.number().describe("milliseconds");

export const processState = named("ProcessState", z.enum(PROCESS_STATES));
export const health = named("Health", z.enum(["unknown", "healthy", "unhealthy"]));
export const processSource = named("ProcessSource", z.enum(["config", "runtime"]));
export const probeKind = named("ProbeKind", z.enum(["startup", "readiness", "liveness"]));
export const probeStatus = named(
  "ProbeStatus",
  z.enum(["unknown", "passing", "failing"]),
  "a probe's verdict after its thresholds",
);
export const logStream = named("LogStream", z.enum(["stdout", "stderr"]));

export const exitInfo = named(
  "ExitInfo",
  z.strictObject({ code: z.number().int().nullable(), signal: z.string().nullable() }),
  "how a run ended: exactly one of code and signal is set",
);

export const probeResult = named(
  "ProbeResult",
  z.strictObject({
    ok: z.boolean(),
    message: z.string().describe('"HTTP 200", "connection refused", "exit 1: not ready"'),
    latencyMs: ms,
    at: epochMs,
  }),
);
export const lastProbe = named("LastProbe", probeResult.extend({ kind: probeKind }));

export const progressInfo = named(
  "ProgressInfo",
  z.strictObject({
    fraction: z.number().min(0).max(1),
    message: z.string().nullable(),
    updatedAt: epochMs,
    runtimeMs: ms,
    etaMs: ms.nullable().describe("null until there is progress to extrapolate from"),
  }),
  "what a long task reported of its current run",
);

export const processSnapshot = named(
  "ProcessSnapshot",
  z.strictObject({
    name: z.string(),
    state: processState,
    health,
    pid: z.number().int().nullable(),
    startedAt: epochMs.nullable().describe("of the current run"),
    uptimeMs: ms.nullable(),
    restarts: z.number().int().describe("since the supervisor started"),
    consecutiveRestarts: z.number().int(),
    lastExit: exitInfo.nullable(),
    reason: z.string().nullable(),
    nextStartInMs: ms.nullable().describe("while in backoff"),
    waitingFor: z.array(z.string()).nullable().describe('while waiting: the unmet conditions, "db healthy"'),
    lastProbe: lastProbe.nullable().describe("the latest probe result of this run"),
    source: processSource,
    cpu: z.number().nullable().describe("percent of one core over the last sampling interval, whole tree"),
    memory: z.number().int().nullable().describe("resident bytes of the whole tree"),
    fds: z.number().int().nullable(),
    threads: z.number().int().nullable(),
    progress: progressInfo.nullable(),
    replicaOf: z.string().nullable().describe("a copy of a replicated process: its name"),
    instance: z.number().int().nullable().describe("which copy (TEND_INSTANCE)"),
  }),
  "one process, as `tend ps --json` prints it",
);

export const runRecord = named(
  "RunRecord",
  z.strictObject({
    id: z.number().int(),
    process: z.string(),
    pid: z.number().int(),
    pidStartTicks: z.number().int().nullable(),
    startedAt: epochMs,
    endedAt: epochMs.nullable(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    reason: z.string().nullable(),
    cgroup: z.string().nullable().describe("where the run lived, in cgroup mode"),
  }),
);

export const eventRecord = named(
  "EventRecord",
  z.strictObject({
    id: z.number().int(),
    at: epochMs,
    process: z.string().nullable(),
    type: z.string().describe('past tense: "process.started", "probe.failed"'),
    state: processState.nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  }),
);

export const probeReport = named(
  "ProbeReport",
  z.strictObject({
    kind: probeKind,
    check: z.string().describe('"http GET http://127.0.0.1:3000/health"'),
    status: probeStatus,
    active: z.boolean().describe("checking now (a startup probe stops once passed)"),
    successes: z.number().int().describe("in a row"),
    failures: z.number().int().describe("in a row"),
    last: probeResult.nullable(),
  }),
);

export const probeScheduleReport = named(
  "ProbeScheduleReport",
  z.strictObject({
    checks: z.number().int().describe("started on schedule since the supervisor started"),
    windowMs: ms.nullable(),
    samples: z.number().int(),
    medianMs: ms.nullable(),
    p99Ms: ms.nullable(),
    maxMs: ms.nullable(),
  }),
  "how late scheduled probe checks started",
);

export const storeHealth = named(
  "StoreHealth",
  z.strictObject({
    pendingWrites: z.number().int(),
    droppedEvents: z.number().int(),
    error: z.string().nullable().describe("the last failure, while writes are waiting"),
    failingSince: epochMs.nullable(),
  }),
);

export const supervisorInfo = named(
  "SupervisorInfo",
  z.strictObject({
    pid: z.number().int(),
    version: z.string(),
    startedAt: epochMs,
    uptimeMs: ms,
    configPath: z.string().nullable(),
    socketPath: z.string(),
    stateDir: z.string(),
    logDir: z.string(),
    processes: z.number().int(),
    store: storeHealth,
    tracking: z.string().describe("how runs are told apart: cgroups (where), or the process tree and why"),
    environment: z.string().nullable().describe("tend up --env NAME"),
  }),
);

export const scheduleInfo = named(
  "ScheduleInfo",
  z.strictObject({
    expression: z.string(),
    timezone: z.string().nullable(),
    nextAt: epochMs.nullable(),
    lastAt: epochMs.nullable(),
    skipped: z.number().int().describe("times it was due while a run was still going"),
    lastSkippedAt: epochMs.nullable(),
  }),
);

export const triggerInfo = named(
  "TriggerInfo",
  z.strictObject({
    schedule: scheduleInfo.nullable(),
    restartSchedule: scheduleInfo.nullable(),
    watch: z
      .strictObject({
        patterns: z.array(z.string()),
        lastChange: z.strictObject({ file: z.string(), at: epochMs }).nullable(),
      })
      .nullable(),
  }),
);

export const overrides = named(
  "Overrides",
  z.strictObject({
    restart: z.enum(RESTART_POLICIES).optional(),
    maxRestarts: z.number().int().optional(),
    maxMemoryBytes: z.number().int().nullable().optional().describe("null: no limit"),
  }),
  "what `tend set` put over the config, until a reload or `tend set --clear`",
);

export const processDetail = named(
  "ProcessDetail",
  processSnapshot.extend({
    command: z.array(z.string()),
    cwd: z.string().nullable(),
    port: z.number().int().nullable(),
    restartPolicy: z.string(),
    lastError: z.string().nullable(),
    spec: z.record(z.string(), z.unknown()).describe("the process's table, as written (snake_case keys)"),
    runs: z.array(runRecord).describe("latest first"),
    probes: z.array(probeReport),
    dependsOn: z.array(z.strictObject({ name: z.string(), condition: z.string() })),
    preset: z
      .strictObject({ name: z.string(), applied: z.record(z.string(), z.unknown()) })
      .nullable()
      .describe("the keys a preset filled in"),
    storeWarning: z.string().nullable(),
    tracking: z.string().describe('"cgroup PATH" of the current run, or how runs are found without cgroups'),
    timeoutMs: ms.nullable(),
    environment: z.string().nullable(),
    overrides: overrides.nullable(),
    triggers: triggerInfo.nullable(),
  }),
  "one process in full, as `tend status --json` prints it",
);

export const startResult = named(
  "StartResult",
  processSnapshot.extend({ startedDependencies: z.array(z.string()) }),
  "a start also starts what the process depends on; those are named",
);

export const replicaSet = named(
  "ReplicaSet",
  z.strictObject({
    name: z.string(),
    instances: z.number().int(),
    replicas: z.array(processSnapshot),
    triggers: triggerInfo.nullable().optional().describe("in `tend status` of the set"),
  }),
  "a replicated process named as a whole: what each copy is now",
);

export const reloadPlan = named(
  "ReloadPlan",
  z.strictObject({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    unchanged: z.array(z.string()),
    applied: z.boolean(),
  }),
);

export const logEntry = named(
  "LogEntry",
  z.strictObject({
    process: z.string(),
    stream: logStream,
    at: epochMs.describe("when read; 0 for lines read back from files"),
    text: z.string(),
  }),
);

export const sample = named(
  "Sample",
  z.strictObject({
    at: epochMs,
    cpu: z.record(z.string(), z.number().nullable()).describe("per process: percent of one core"),
    memory: z.record(z.string(), z.number().int().nullable()).describe("per process: resident bytes"),
  }),
  "every process's CPU and memory at one moment (the dashboard's sparklines)",
);

export const samplerStats = named(
  "SamplerStats",
  z.strictObject({
    intervalMs: ms,
    ticks: z.number().int(),
    lastTickProcesses: z.number().int(),
    lastTickCostMs: ms.describe("wall time of the last tick"),
    lastTickCpuMs: ms.describe("CPU time the supervisor spent in the last tick"),
  }),
);

export const heapStats = named(
  "HeapStats",
  z.strictObject({
    collections: z.number().int().describe("full collections the heap keeper ran"),
    heapUsedBytes: z.number().int().nullable().describe("null without a heap keeper (in process)"),
    floorBytes: z.number().int().nullable().describe("what the last collection left"),
  }),
);

export const issue = named(
  "Issue",
  z.strictObject({ path: z.string().describe('"processes.api.backoff.initial"'), message: z.string() }),
  "one problem in a config or a request, with where it is",
);

export const dashboardLogin = named(
  "DashboardLogin",
  z.strictObject({
    url: z.string().describe("the dashboard's address"),
    login: z.string().describe("a one-time address that logs a browser in (valid for a minute)"),
  }),
);

export const apiError = named(
  "ApiError",
  z.strictObject({
    error: z.strictObject({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      file: z.string().optional().describe("the config file, for CONFIG_INVALID"),
      issues: z.array(issue).optional().describe("every problem, for a body or a config refused"),
    }),
  }),
  "every 4xx and 5xx answer",
);

export type ProcessState = z.output<typeof processState>;
export type LogStream = z.output<typeof logStream>;
export type Health = z.output<typeof health>;
export type ProcessSource = z.output<typeof processSource>;
export type ProbeKind = z.output<typeof probeKind>;
export type ProbeStatus = z.output<typeof probeStatus>;
export type ExitInfo = z.output<typeof exitInfo>;
export type ProbeResult = z.output<typeof probeResult>;
export type LastProbe = z.output<typeof lastProbe>;
export type ProgressInfo = z.output<typeof progressInfo>;
export type ProcessSnapshot = z.output<typeof processSnapshot>;
export type RunRecord = z.output<typeof runRecord>;
export type EventRecord = z.output<typeof eventRecord>;
export type ProbeReport = z.output<typeof probeReport>;
export type ProbeScheduleReport = z.output<typeof probeScheduleReport>;
export type StoreHealth = z.output<typeof storeHealth>;
export type SupervisorInfo = z.output<typeof supervisorInfo>;
export type ScheduleInfo = z.output<typeof scheduleInfo>;
export type TriggerInfo = z.output<typeof triggerInfo>;
export type Overrides = z.output<typeof overrides>;
export type ProcessDetail = z.output<typeof processDetail>;
export type StartResult = z.output<typeof startResult>;
export type ReplicaSet = z.output<typeof replicaSet>;
export type ReloadPlan = z.output<typeof reloadPlan>;
export type LogEntry = z.output<typeof logEntry>;
export type SamplerStats = z.output<typeof samplerStats>;
export type Sample = z.output<typeof sample>;
export type DashboardLogin = z.output<typeof dashboardLogin>;
export type HeapStats = z.output<typeof heapStats>;
export type Issue = z.output<typeof issue>;
export type ApiError = z.output<typeof apiError>;
