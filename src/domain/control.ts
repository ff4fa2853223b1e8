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
}

export interface ProcessDetail extends ProcessSnapshot {
  command: string[];
  cwd: string | null;
  restartPolicy: string;
  lastError: string | null;
  spec: unknown;
  runs: RunRecord[];
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

export interface Control {
  info(): SupervisorInfo;
  list(): ProcessSnapshot[];
  get(name: string): ProcessDetail;
  add(body: unknown): Promise<ProcessSnapshot>;
  remove(name: string): Promise<void>;
  start(name: string): Promise<ProcessSnapshot>;
  stop(name: string): Promise<ProcessSnapshot>;
  restart(name: string): Promise<ProcessSnapshot>;
  pause(name: string): ProcessSnapshot;
  resume(name: string): ProcessSnapshot;
  signal(name: string, signal: string): ProcessSnapshot;
  history(name: string, limit?: number): RunRecord[];
  events(filter: EventFilter): EventRecord[];
  subscribe(listener: (e: EventRecord) => void): () => void;
  reload(dryRun: boolean): Promise<ReloadPlan>;
  shutdown(): Promise<void>;
}
