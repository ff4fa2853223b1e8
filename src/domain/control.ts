import type { Family } from "../metrics/prometheus.ts";
import type { SamplerStats } from "../metrics/sampler.ts";
import type { OverrideChange } from "../supervisor/unit/overrides.ts";
import type { ProbeScheduleReport } from "./probes.ts";
import type {
  LogEntry,
  ProcessDetail,
  ReloadPlan,
  ReplicaSet,
  Sample,
  StartResult,
  SupervisorInfo,
} from "./shapes.ts";
import type { EventRecord, ProcessSnapshot, RunRecord } from "./types.ts";

// The one interface the API uses to talk to the supervisor.

export interface EventFilter {
  process?: string;
  type?: string;
  afterId?: number;
  limit?: number;
}

export interface LogQuery {
  lines: number;
  stream?: "stdout" | "stderr";
  since?: number; // epoch ms: only lines read since then (those kept in memory have a time)
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
  // name null: every process, merged in the order the lines were read.
  logs(name: string | null, query: LogQuery): LogEntry[];
  followLogs(name: string | null, stream: LogQuery["stream"], listener: (line: LogEntry) => void): () => void;
  clearLogs(name: string): void;
  events(filter: EventFilter): EventRecord[];
  probeSchedule(windowMs?: number): ProbeScheduleReport;
  metrics(): Family[]; // every /metrics family, from one snapshot
  metricsSampler(): SamplerStats | null; // null when the supervisor samples no metrics
  subscribe(listener: (e: EventRecord) => void): () => void;
  samples(): Sample[]; // those kept (the last hour someone watched)
  watch(): () => void; // someone follows the figures (a stream): sampling runs until the release
  followSamples(listener: (s: Sample) => void): () => void;
  reload(dryRun: boolean): Promise<ReloadPlan>;
  shutdown(): Promise<void>;
}
