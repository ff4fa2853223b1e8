import { Elysia } from "elysia";
import type { HeapStats } from "../../daemon/heap-keeper.ts";
import type { Control } from "../../domain/control.ts";
import { probeScheduleQuery } from "../checks.ts";
import { parseQuery } from "../query.ts";

// /v1/debug/…: figures about the supervisor's own machinery, for benchmarks and diagnosis.
export function debugRoutes(control: Control, heap?: () => HeapStats) {
  return new Elysia({ prefix: "/v1/debug" })
    .get("/probe-schedule", ({ request }) => {
      const q = parseQuery(request, probeScheduleQuery);
      return control.probeSchedule(q.window);
    })
    .get("/metrics-sampler", () => control.metricsSampler() ?? { intervalMs: null, ticks: 0 })
    .get("/heap", () => heap?.() ?? { collections: 0, heapUsedBytes: null, floorBytes: null });
}
