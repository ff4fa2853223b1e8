import type { HeapStats } from "../daemon/heap-keeper.ts";
import type { Control } from "../domain/control.ts";
import type { DashboardLogin, ReloadPlan } from "../domain/shapes.ts";
import { TendError } from "../errors.ts";
import { errorResponse } from "./errors.ts";
import { handlers } from "./handlers.ts";
import { readInput } from "./input.ts";
import { matchRoute, pathOf } from "./router.ts";
import { ROUTES } from "./surface.gen.ts";

export interface AppOptions {
  onShutdown?: () => void;
  // The daemon's reload (serialised, announced to systemd); default: the control's own.
  reload?: (dryRun: boolean) => Promise<ReloadPlan>;
  // The daemon's heap keeper, for /v1/debug/heap; none in process.
  heap?: () => HeapStats;
  // The dashboard's one-time login address (null while it is off).
  dashboardLogin?: () => DashboardLogin | null;
}

export interface App {
  // One request in, its answer out; never throws. The daemon serves it on the socket; tests call
  // it in process with `new Request(...)`.
  handle(request: Request): Promise<Response>;
}

// The control API: each request finds its entry in the declared table (routes.ts, as plain data
// in surface.gen.ts), has its query and body checked, then reaches its handler. The table is
// matched here rather than by a web framework: it is already data, and a framework's router
// and validators cost the idle supervisor megabytes of memory (scripts/bench.ts --only idle-rss).
export function createApp(control: Control, opts: AppOptions = {}): App {
  const serve = handlers(control, {
    onShutdown: opts.onShutdown ?? (() => void control.shutdown()),
    reload: opts.reload ?? ((dryRun) => control.reload(dryRun)),
    heap: opts.heap,
    dashboardLogin: opts.dashboardLogin,
    openapi: async () => (await import("./openapi.ts")).openApiDocument(),
  });
  return {
    async handle(request) {
      try {
        const match = matchRoute(request.method, pathOf(request.url));
        if (!match) throw new TendError("NOT_FOUND", "no such route: see GET /openapi.json");
        const input = await readInput(match.name, request, match.params);
        const answer = await (serve[match.name] as (i: typeof input) => unknown)(input);
        if (answer instanceof Response) return answer;
        return Response.json(answer, { status: ROUTES[match.name].status });
      } catch (err) {
        return errorResponse(err);
      }
    },
  };
}
