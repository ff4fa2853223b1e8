import { Elysia } from "elysia";
import type { Control } from "../../domain/control.ts";
import { PROMETHEUS_CONTENT_TYPE, renderFamilies } from "../../metrics/prometheus.ts";

export function metricsResponse(control: Control): Response {
  return new Response(renderFamilies(control.metrics()), {
    headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
  });
}

export function metricsRoutes(control: Control) {
  return new Elysia().get("/metrics", () => metricsResponse(control));
}

// The metrics_listen server: GET (or HEAD) /metrics and nothing else, so a TCP port can be opened
// to a scraper without exposing the control API.
export function metricsOnlyFetch(control: Control): (req: Request) => Response {
  return (req) => {
    const path = new URL(req.url).pathname;
    if (path !== "/metrics") return new Response("not found\n", { status: 404 });
    if (req.method !== "GET" && req.method !== "HEAD")
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    return metricsResponse(control);
  };
}
