import { z } from "zod";
import * as s from "../domain/shapes.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus.ts";
import {
  addBody,
  eventsQuery,
  historyQuery,
  logsQuery,
  probeScheduleQuery,
  progressBody,
  reloadBody,
  samplesQuery,
  scaleBody,
  setBody,
  signalBody,
  stopBody,
} from "./schemas.ts";

// Every route of the control API, declared once. From this table come the server's routes
// (app.ts registers them from the generated surface.gen.ts, which holds no zod), /openapi.json
// (openapi.ts), and the client's methods and types (scripts/gen-surface.ts writes them into
// src/api/surface.gen.ts; a test holds it to this file).
//
// `path` params are `:name`. A route without `body` takes none (an empty body or `{}`); one
// without `query` takes no query string. `stream`: with ?follow the answer is server-sent events
// of these kinds (and a last `end` event when the supervisor closes the stream on purpose).
// `text`: the answer is text of that content type, not JSON.
export interface RouteDeclaration {
  method: "GET" | "POST" | "DELETE";
  path: string;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  status?: 200 | 201;
  stream?: Record<string, z.ZodType>;
  text?: string;
}

const acted = z.union([s.processSnapshot, s.replicaSet]);
// The sampler's figures, or what it says while the supervisor samples nothing.
const samplerAnswer = z.union([
  s.samplerStats,
  z.strictObject({ intervalMs: z.null(), ticks: z.literal(0) }),
]);

export const ROUTES = {
  health: {
    method: "GET",
    path: "/v1/health",
    summary: "The supervisor itself: pid, version, uptime, config path, store health",
    response: s.supervisorInfo,
  },
  list: {
    method: "GET",
    path: "/v1/processes",
    summary: "Every process (what `tend ps --json` prints)",
    response: z.array(s.processSnapshot),
  },
  add: {
    method: "POST",
    path: "/v1/processes",
    summary: "Add a run-time process: its name and the keys of a config table; kept across restarts",
    body: addBody,
    status: 201,
    response: s.processSnapshot,
  },
  get: {
    method: "GET",
    path: "/v1/processes/:name",
    summary: "One process in full, with its last runs (what `tend status --json` prints)",
    response: z.union([s.processDetail, s.replicaSet]),
  },
  remove: {
    method: "DELETE",
    path: "/v1/processes/:name",
    summary: "Stop and remove a run-time process (409 for one from the config)",
    response: z.strictObject({ removed: z.string() }),
  },
  start: {
    method: "POST",
    path: "/v1/processes/:name/start",
    summary: "Start a process, and what it depends on",
    response: z.union([s.startResult, s.replicaSet]),
  },
  stop: {
    method: "POST",
    path: "/v1/processes/:name/stop",
    summary: "Stop a process and its whole tree; {force: true}: SIGKILL now",
    body: stopBody,
    response: acted,
  },
  restart: {
    method: "POST",
    path: "/v1/processes/:name/restart",
    summary: "Restart, skipping backoff; concurrent restarts coalesce",
    response: acted,
  },
  reset: {
    method: "POST",
    path: "/v1/processes/:name/reset",
    summary: "Counters to zero; a failed process back to stopped",
    response: acted,
  },
  set: {
    method: "POST",
    path: "/v1/processes/:name/set",
    summary: "Override restart, max_restarts, max_memory until a reload; {clear: true} ends it",
    body: setBody,
    response: acted,
  },
  pause: {
    method: "POST",
    path: "/v1/processes/:name/pause",
    summary: "Freeze the process and its tree (SIGSTOP, or the cgroup's freezer)",
    response: acted,
  },
  resume: {
    method: "POST",
    path: "/v1/processes/:name/resume",
    summary: "Thaw a paused process",
    response: acted,
  },
  signal: {
    method: "POST",
    path: "/v1/processes/:name/signal",
    summary: "Send a signal to the process group",
    body: signalBody,
    response: acted,
  },
  scale: {
    method: "POST",
    path: "/v1/processes/:name/scale",
    summary: "Run N copies of a replicated process",
    body: scaleBody,
    response: s.replicaSet,
  },
  progress: {
    method: "POST",
    path: "/v1/processes/:name/progress",
    summary: "Report progress of the current run: a fraction from 0 to 1, and a message",
    body: progressBody,
    response: s.processSnapshot,
  },
  history: {
    method: "GET",
    path: "/v1/processes/:name/history",
    summary: "Runs, latest first",
    query: historyQuery,
    response: z.array(s.runRecord),
  },
  logs: {
    method: "GET",
    path: "/v1/processes/:name/logs",
    summary: "The last lines; with follow, those and then every new line as server-sent events",
    query: logsQuery,
    response: z.array(s.logEntry),
    stream: { line: s.logEntry },
  },
  allLogs: {
    method: "GET",
    path: "/v1/logs",
    summary:
      "Every process's last lines, merged in the order they were read; with follow, then every new line",
    query: logsQuery,
    response: z.array(s.logEntry),
    stream: { line: s.logEntry },
  },
  clearLogs: {
    method: "DELETE",
    path: "/v1/processes/:name/logs",
    summary: "Empty the process's log files",
    response: z.strictObject({ cleared: z.string() }),
  },
  events: {
    method: "GET",
    path: "/v1/events",
    summary:
      "Stored events, latest last; with follow, a snapshot of the processes, then each event as it happens",
    query: eventsQuery,
    response: z.array(s.eventRecord),
    stream: { snapshot: z.array(s.processSnapshot), event: s.eventRecord },
  },
  reload: {
    method: "POST",
    path: "/v1/reload",
    summary: "Re-read the config; a bad config changes nothing",
    body: reloadBody,
    response: s.reloadPlan,
  },
  shutdown: {
    method: "POST",
    path: "/v1/shutdown",
    summary: "Stop everything (reverse dependency order) and exit the supervisor",
    response: z.strictObject({ stopping: z.literal(true) }),
  },
  samples: {
    method: "GET",
    path: "/v1/samples",
    summary: "CPU and memory of every process, sampled while someone follows; the last hour is kept",
    query: samplesQuery,
    response: z.array(s.sample),
    stream: { history: z.array(s.sample), sample: s.sample },
  },
  dashboardLogin: {
    method: "POST",
    path: "/v1/dashboard/login",
    summary: "A one-time address that logs a browser into the dashboard (409 when it is off)",
    response: s.dashboardLogin,
  },
  probeSchedule: {
    method: "GET",
    path: "/v1/debug/probe-schedule",
    summary: "How late probe checks started: median, p99, max",
    query: probeScheduleQuery,
    response: s.probeScheduleReport,
  },
  metricsSampler: {
    method: "GET",
    path: "/v1/debug/metrics-sampler",
    summary: "The metrics sampler: interval, ticks, cost of the last tick",
    response: samplerAnswer,
  },
  heap: {
    method: "GET",
    path: "/v1/debug/heap",
    summary: "The heap keeper: full collections run, heap used, what the last one left",
    response: s.heapStats,
  },
  metrics: {
    method: "GET",
    path: "/metrics",
    summary: "Prometheus text format: per-process state, health, restarts, cpu, memory",
    response: z.string(),
    text: PROMETHEUS_CONTENT_TYPE,
  },
  openapi: {
    method: "GET",
    path: "/openapi.json",
    summary: "This API's OpenAPI 3.1 document",
    response: z.record(z.string(), z.unknown()),
  },
} as const satisfies Record<string, RouteDeclaration>;

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;
