import { Elysia } from "elysia";
import type { HeapStats } from "../daemon/heap-keeper.ts";
import type { Control, ReloadPlan } from "../domain/control.ts";
import { errorResponse } from "./errors.ts";
import { debugRoutes } from "./routes/debug.ts";
import { logRoutes } from "./routes/logs.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { processRoutes } from "./routes/processes.ts";
import { systemRoutes } from "./routes/system.ts";

export interface AppOptions {
  onShutdown?: () => void;
  // The daemon's reload (serialised, announced to systemd); default: the control's own.
  reload?: (dryRun: boolean) => Promise<ReloadPlan>;
  // The daemon's heap keeper, for /v1/debug/heap; none in process.
  heap?: () => HeapStats;
}

// The control API as an Elysia app. Tests call `app.handle(new Request(...))` in process;
// the daemon serves `app.fetch` on the unix socket.
export function createApp(control: Control, opts: AppOptions = {}) {
  return new Elysia()
    .onError(({ error, code }) => errorResponse(error, code))
    .use(processRoutes(control))
    .use(logRoutes(control))
    .use(debugRoutes(control, opts.heap))
    .use(metricsRoutes(control))
    .use(
      systemRoutes(
        control,
        opts.onShutdown ?? (() => void control.shutdown()),
        opts.reload ?? ((dryRun) => control.reload(dryRun)),
      ),
    );
}

export type App = ReturnType<typeof createApp>;
