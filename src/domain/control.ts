import type { Family } from "../metrics/prometheus.ts";
import type { SamplerStats } from "../metrics/sampler.ts";
import type { StoreHealth } from "../store/record-keeper.ts";
import type { TriggerInfo } from "../supervisor/triggers.ts";
import type { OverrideChange, Overrides } from "../supervisor/unit/overrides.ts";
import type { ProbeReport, ProbeScheduleReport } from "./probes.ts";
import type { EventRecord, ProcessSnapshot, RunRecord } from "./types.ts";

// The one interface the API uses to talk to the supervisor.
export interface SupervisorInfo {
  pid: number;
  version: string;
  startedAt: number;
  uptimeMs: number;
  configPath: string | null;
  socketPath: string;
  stateDir: string;
  logDir: string;
  processes: number;
  store: StoreHealth;
  tracking: string; // how runs are told apart: cgroups (where), or the process tree and why
  environment: string | null; // `tend up --env NAME`
}

export interface ProcessDetail extends ProcessSnapshot {
  command: string[];
  cwd: string | null;
  port: number | null; // the port it listens on, when the config says
  restartPolicy: string;
  lastError: string | null;
  spec: unknown;
  runs: RunRecord[];
  probes: ProbeReport[];
  dependsOn: { name: string; condition: string }[];
  preset: { name: string; applied: Record<string, unknown> } | null; // the keys a preset filled in
  storeWarning: string | null; // while writes to the store fail: how many wait, and why
  tracking: string; // "cgroup PATH" of the current run, or how runs are found without cgroups
  timeoutMs: number | null;
  environment: string | null; // the `tend up --env` selection this process runs with
  overrides: Overrides | null; // `tend set`, until --clear or a reload
  triggers: TriggerInfo | null; // schedule, restart_schedule, watch
}

// A start also starts what the process depends on; those are named here.
export interface StartResult extends ProcessSnapshot {
  startedDependencies: string[];
}

export interface ReloadPlan {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  applied: boolean;
}

export interface EventFilter {
  process?: string;
  type?: string;
  afterId?: number;
  limit?: number;
}

export interface LogQuery {
  lines: number;
  stream?: "stdout" | "stderr";
}

export interface LogEntry {
  process: string;
  stream: "stdout" | "stderr";
  at: number; // epoch ms when read; 0 for lines read back from files
  text: string;
}

// A replicated process (instances = N) named as a whole: a verb acted on every copy, and this is
// what each copy is now.
export interface ReplicaSet {
  name: string;
  instances: number;
  replicas: ProcessSnapshot[];
  triggers?: TriggerInfo | null; // in `tend status` of the set
}

// What a verb answers: the process, or the copies of a replicated one named as a whole.
export type Acted<T extends ProcessSnapshot = ProcessSnapshot> = T | ReplicaSet;

export interface Control {
  info(): SupervisorInfo;
  list(): ProcessSnapshot[];
  get(name: string): ProcessDetail | ReplicaSet;
  add(body: unknown): Promise<ProcessSnapshot>;
  remove(name: string): Promise<void>;
  start(name: string): Promise<Acted<StartResult>>;
  stop(name: string, force?: boolean): Promise<Acted>;
  reset(name: string): Acted;
  set(name: string, change: OverrideChange): Acted;
  restart(name: string): Promise<Acted>;
  pause(name: string): Acted;
  resume(name: string): Acted;
  signal(name: string, signal: string): Acted;
  scale(name: string, instances: number): Promise<ReplicaSet>;
  progress(name: string, fraction: number, message: string | null): ProcessSnapshot;
  history(name: string, limit?: number): RunRecord[];
  logs(name: string, query: LogQuery): LogEntry[];
  followLogs(name: string, stream: LogQuery["stream"], listener: (line: LogEntry) => void): () => void;
  clearLogs(name: string): void;
  events(filter: EventFilter): EventRecord[];
  probeSchedule(windowMs?: number): ProbeScheduleReport;
  metrics(): Family[]; // every /metrics family, from one snapshot
  metricsSampler(): SamplerStats | null; // null when the supervisor samples no metrics
  subscribe(listener: (e: EventRecord) => void): () => void;
  reload(dryRun: boolean): Promise<ReloadPlan>;
  shutdown(): Promise<void>;
}
