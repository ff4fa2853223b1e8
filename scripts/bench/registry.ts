import { dashboardLoad } from "./measurements/dashboard-load.ts";
import { idleCpu } from "./measurements/idle-cpu.ts";
import { idleRss } from "./measurements/idle-rss.ts";
import { logThroughput } from "./measurements/log-throughput.ts";
import { massStop } from "./measurements/mass-stop.ts";
import { metricsCpu, metricsTick } from "./measurements/metrics-load.ts";
import { probeCpu, probeLateness } from "./measurements/probe-load.ts";
import { psRoundTrip } from "./measurements/ps-round-trip.ts";
import { restartLatency } from "./measurements/restart-latency.ts";
import { trackingModes } from "./measurements/tracking-modes.ts";
import { watchDaemon } from "./measurements/watch-daemon.ts";
import { watchIdle } from "./measurements/watch-idle.ts";
import type { Measurement } from "./types.ts";

// Every measurement, in report order. A new row: one module in measurements/, one line here.
export const MEASUREMENTS: Measurement[] = [
  psRoundTrip,
  idleRss,
  idleCpu,
  restartLatency,
  massStop,
  trackingModes,
  logThroughput,
  probeCpu,
  probeLateness,
  metricsTick,
  metricsCpu,
  watchIdle,
  watchDaemon,
  dashboardLoad,
];
