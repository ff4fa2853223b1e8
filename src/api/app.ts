import { Elysia } from "elysia";
import type { HeapStats } from "../daemon/heap-keeper.ts";
import type { Control } from "../domain/control.ts";
import type { DashboardLogin, ReloadPlan } from "../domain/shapes.ts";
import { errorResponse } from "./errors.ts";
import { handlers } from "./handlers.ts";
import { readInput } from "./input.ts";
import { ROUTES, type RouteName } from "./surface.gen.ts";

export interface AppOptions {
  onShutdown?: () => void;
  // The daemon's reload (serialised, announced to systemd); default: the control's own.
  reload?: (dryRun: boolean) => Promise<ReloadPlan>;
  // The daemon's heap keeper, for /v1/debug/heap; none in process.
  heap?: () => HeapStats;
  // The dashboard's one-time login address (null while it is off).
  dashboardLogin?: () => DashboardLogin | null;
}

// The control API as an Elysia app, one route per entry of the declared table (routes.ts, as
// plain data in surface.gen.ts): each checks its query and body, then calls its handler. Tests
// call `app.handle(new Request(...))` in process; the daemon serves `app.fetch` on the socket.
export function createApp(control: Control, opts: AppOptions = {}) {
  const serve = handlers(control, {
    onShutdown: opts.onShutdown ?? (() => void control.shutdown()),
    reload: opts.reload ?? ((dryRun) => control.reload(dryRun)),
    heap: opts.heap,
    dashboardLogin: opts.dashboardLogin,
    openapi: async () => (await import("./openapi.ts")).openApiDocument(),
  });
  const app = new Elysia().onError(({ error, code }) => errorResponse(error, code));
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const route = ROUTES[name];
    app.route(
      route.method,
      route.path,
      async ({ request, params, set }) => {
        const input = await readInput(name, request, (params ?? {}) as Record<string, string>);
        const answer = await (serve[name] as (i: typeof input) => unknown)(input);
        if (answer instanceof Response) return answer;
        set.status = route.status;
        return answer;
      },
      { parse: "none" },
    );
  }
  return app;
}

export type App = ReturnType<typeof createApp>;
