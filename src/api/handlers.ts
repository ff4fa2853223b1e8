import type { z } from "zod";
import type { HeapStats } from "../daemon/heap-keeper.ts";
import type { Control } from "../domain/control.ts";
import type { DashboardLogin, ReloadPlan } from "../domain/shapes.ts";
import { type EventRecord, eventTypeMatches } from "../domain/types.ts";
import { TendError } from "../errors.ts";
import { PROMETHEUS_CONTENT_TYPE, renderFamilies } from "../metrics/prometheus.ts";
import type { OverrideChange } from "../supervisor/unit/overrides.ts";
import type { ROUTES } from "./routes.ts";
import { sseResponse } from "./sse.ts";
import type { RouteName } from "./surface.gen.ts";

type Declared = typeof ROUTES;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
export interface Input<K extends RouteName> {
  name: string; // the :name path parameter, "" where the route has none
  query: Declared[K] extends { query: infer Q } ? Out<Q> : undefined;
  body: Declared[K] extends { body: infer B } ? Out<B> : undefined;
  written: unknown; // the body as sent, before its schema's defaults (a new process is kept as written)
}
type Answer<K extends RouteName> = z.output<Declared[K]["response"]>;
// What serves each route: its answer (JSON), or a Response (a stream, text).
export type Handlers = {
  [K in RouteName]: (input: Input<K>) => Answer<K> | Response | Promise<Answer<K> | Response>;
};

export interface HandlerOptions {
  onShutdown: () => void;
  reload: (dryRun: boolean) => Promise<ReloadPlan>;
  heap?: () => HeapStats;
  openapi: () => Promise<Record<string, unknown>>;
  dashboardLogin?: () => DashboardLogin | null; // the dashboard's one-time login address; none when off
}

// Events replayed at a time when a follower catches up (?after=ID with follow).
const CATCH_UP = 10_000;

// Every route as a thin call into Control; no state lives here.
export function handlers(control: Control, o: HandlerOptions): Handlers {
  return {
    health: () => control.info(),
    list: () => control.list(),
    add: ({ written }) => control.add(written),
    get: ({ name }) => control.get(name),
    remove: async ({ name }) => {
      await control.remove(name);
      return { removed: name };
    },
    start: ({ name }) => control.start(name),
    stop: ({ name, body }) => control.stop(name, body.force === true),
    restart: ({ name }) => control.restart(name),
    reset: ({ name }) => control.reset(name),
    set: ({ name, body }) => control.set(name, overrideChange(body)),
    pause: ({ name }) => control.pause(name),
    resume: ({ name }) => control.resume(name),
    signal: ({ name, body }) => control.signal(name, body.signal),
    scale: ({ name, body }) => control.scale(name, body.instances),
    progress: ({ name, body }) => control.progress(name, body.progress, body.message ?? null),
    history: ({ name, query }) => control.history(name, query.runs ?? 50),
    logs: ({ name, query }) => logLines(control, name, query),
    allLogs: ({ query }) => logLines(control, null, query),
    clearLogs: ({ name }) => {
      control.clearLogs(name);
      return { cleared: name };
    },
    events: ({ query }) => {
      const filter = { process: query.process, type: query.type, afterId: query.after };
      if (!query.follow) return control.events({ ...filter, limit: query.events ?? 100 });
      const matches = (e: EventRecord) =>
        (!query.process || e.process === query.process) &&
        (!query.type || eventTypeMatches(query.type, e.type));
      return sseResponse((send) => {
        // Snapshot first, so a subscriber never has to guess the state it joined in. With
        // `after`, the stored events since then come next, then the live ones, each once: a
        // client that lost its connection resumes where it was. Nothing here awaits, so no event
        // can happen between the catching up and the subscribing.
        send(
          "snapshot",
          control.list().filter((p) => !query.process || p.name === query.process),
        );
        let last = query.after ?? 0;
        if (query.after !== undefined)
          for (;;) {
            const batch = control.events({ ...filter, afterId: last, limit: CATCH_UP });
            for (const e of batch) {
              send("event", e);
              last = e.id;
            }
            if (batch.length < CATCH_UP) break;
          }
        const release = control.watch();
        const unsubscribe = control.subscribe((e) => {
          if (e.id > last && matches(e)) send("event", e);
        });
        return () => {
          unsubscribe();
          release();
        };
      });
    },
    reload: ({ body }) => o.reload(body.dryRun ?? false),
    shutdown: () => {
      // Answer first; the daemon stops everything and exits after the response is sent.
      setImmediate(o.onShutdown);
      return { stopping: true as const };
    },
    samples: ({ query }) => {
      if (!query.follow) return control.samples();
      return sseResponse((send) => {
        send("history", control.samples());
        const release = control.watch();
        const stop = control.followSamples((sample) => send("sample", sample));
        return () => {
          stop();
          release();
        };
      });
    },
    dashboardLogin: () => {
      const login = o.dashboardLogin?.();
      if (!login)
        throw new TendError("INVALID_STATE", "the dashboard is off: set [supervisor] dashboard_listen");
      return login;
    },
    probeSchedule: ({ query }) => control.probeSchedule(query.window),
    metricsSampler: () => control.metricsSampler() ?? { intervalMs: null, ticks: 0 as const },
    heap: () => o.heap?.() ?? { collections: 0, heapUsedBytes: null, floorBytes: null },
    metrics: () => metricsResponse(control),
    openapi: () => o.openapi(),
  };
}

// The last lines (of one process, or with name null of every one); with follow, those as "line"
// events, then every new line, across restarts and rotations, until the client goes away.
function logLines(control: Control, name: string | null, query: Input<"logs">["query"]) {
  const lines = control.logs(name, { lines: query.lines ?? 100, stream: query.stream, since: query.since });
  if (!query.follow) return lines;
  return sseResponse((send) => {
    for (const l of lines) send("line", l);
    return control.followLogs(name, query.stream, (l) => send("line", l));
  });
}

export function metricsResponse(control: Control): Response {
  return new Response(renderFamilies(control.metrics()), {
    headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
  });
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

// A set body as the change it asks for: `clear` alone, or at least one key to set.
function overrideChange(body: Input<"set">["body"]): OverrideChange {
  const { clear, restart, max_restarts: maxRestarts, max_memory: maxMemoryBytes } = body;
  const overrides = Object.fromEntries(
    Object.entries({ restart, maxRestarts, maxMemoryBytes }).filter(([, v]) => v !== undefined),
  );
  const count = Object.keys(overrides).length;
  if (clear && count)
    throw new TendError("BAD_REQUEST", "clear takes the overrides away: send it alone, without keys to set");
  if (clear) return { clear: true };
  if (!count) throw new TendError("BAD_REQUEST", "nothing to set: give restart, max_restarts or max_memory");
  return { overrides };
}
