import { z } from "zod";
import { processSchema } from "../config/schema.ts";
import { VERSION } from "../version.ts";
import { progressBody, reloadBody, scaleBody, setBody, signalBody, stopBody } from "./schemas.ts";

type Route = [method: string, path: string, summary: string, body?: z.ZodType];

const ROUTES: Route[] = [
  ["get", "/v1/health", "The supervisor itself: pid, version, uptime, config path"],
  ["get", "/v1/processes", "List processes (what `tend ps --json` prints)"],
  ["post", "/v1/processes", "Add a run-time process: {name, command, …config keys}", processSchema],
  ["get", "/v1/processes/{name}", "One process in full, with its last runs"],
  ["delete", "/v1/processes/{name}", "Remove a run-time process (409 for one from the config)"],
  ["post", "/v1/processes/{name}/start", "Start a process"],
  [
    "post",
    "/v1/processes/{name}/stop",
    "Stop a process and its whole tree; {force: true}: SIGKILL now",
    stopBody,
  ],
  ["post", "/v1/processes/{name}/reset", "Counters to zero; a failed process back to stopped"],
  [
    "post",
    "/v1/processes/{name}/set",
    "Override restart, max_restarts, max_memory until a reload; {clear: true} ends it",
    setBody,
  ],
  ["post", "/v1/processes/{name}/restart", "Restart, skipping backoff; concurrent restarts coalesce"],
  ["post", "/v1/processes/{name}/pause", "SIGSTOP the process group"],
  ["post", "/v1/processes/{name}/resume", "SIGCONT the process group"],
  ["post", "/v1/processes/{name}/signal", "Send a signal to the process group", signalBody],
  ["post", "/v1/processes/{name}/scale", "Run N copies of a replicated process: {instances}", scaleBody],
  ["get", "/v1/processes/{name}/history", "Runs, newest first (?lines=N)"],
  [
    "post",
    "/v1/processes/{name}/progress",
    "Report progress of the current run: {progress: 0..1, message?}",
    progressBody,
  ],
  ["get", "/v1/processes/{name}/logs", "Last lines (?lines=N&stream=stdout|stderr); follow=1 streams SSE"],
  ["delete", "/v1/processes/{name}/logs", "Empty the process's log files"],
  ["get", "/v1/events", "Stored events; ?follow=1 streams server-sent events, snapshot first"],
  ["post", "/v1/reload", "Re-read the config; bad config changes nothing", reloadBody],
  ["post", "/v1/shutdown", "Stop everything and exit the supervisor"],
  ["get", "/v1/debug/probe-schedule", "How late probe checks started: median, p99, max (?window=30s)"],
  ["get", "/v1/debug/metrics-sampler", "The metrics sampler: interval, ticks, cost of the last tick"],
  ["get", "/v1/debug/heap", "The heap keeper: full collections run, heap used, what the last one left"],
  ["get", "/metrics", "Prometheus text format: per-process state, health, restarts, cpu, memory"],
];

const errorSchema = {
  type: "object",
  properties: {
    error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
  },
};

export function openApiDocument(): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [method, path, summary, body] of ROUTES) {
    const op: Record<string, unknown> = {
      summary,
      responses: {
        "200": { description: "OK" },
        "4XX": { description: "Refused", content: { "application/json": { schema: errorSchema } } },
      },
    };
    if (path.includes("{name}"))
      op.parameters = [{ name: "name", in: "path", required: true, schema: { type: "string" } }];
    if (body)
      op.requestBody = {
        content: {
          "application/json": { schema: z.toJSONSchema(body, { io: "input", unrepresentable: "any" }) },
        },
      };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[method] = op;
  }
  return { openapi: "3.1.0", info: { title: "tend control API", version: VERSION }, paths };
}
