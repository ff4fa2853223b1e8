import type { Clock } from "../clock.ts";
import type { Config } from "../config/load.ts";
import type { LineStream } from "../logs/line-stream.ts";
import type { LogHub } from "../logs/log-hub.ts";
import type { MetricsSampler } from "../metrics/sampler.ts";
import type { CheckFactory } from "../probes/create-check.ts";
import type { Store } from "../store/store.ts";
import type { Launcher } from "./launcher.ts";
import type { WatchFactory } from "./triggers.ts";

// What a Supervisor is built on; tests replace any of it.
export interface SupervisorDeps {
  clock: Clock;
  store: Store;
  launcher: Launcher;
  logs: LogHub;
  random?: () => number;
  loadConfig?: (path: string, environment: string | null) => Config | Promise<Config>;
  lines?: LineStream; // what log probes read; default: the one the logs feed
  checks?: CheckFactory; // probe checks; tests pass fakes
  // The daemon's sampler (it reads /proc; the supervisor only asks it). Absent: no metrics.
  metrics?: Pick<MetricsSampler, "get" | "wake" | "stats" | "watched" | "hold">;
  // A failure supervision survived (the store, a subscriber, an effect), for the daemon's log.
  report?: (message: string) => void;
  watch?: WatchFactory; // file watches (inotify); absent: watch keys are not acted on
}
