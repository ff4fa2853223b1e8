import { Elysia } from "elysia";
import type { Control } from "../domain/control.ts";
import { errorResponse } from "./errors.ts";
import { processRoutes } from "./routes/processes.ts";
import { systemRoutes } from "./routes/system.ts";

export interface AppOptions {
  onShutdown?: () => void;
}

// The control API as an Elysia app. Tests call `app.handle(new Request(...))` in process;
// the daemon serves `app.fetch` on the unix socket.
export function createApp(control: Control, opts: AppOptions = {}) {
  return new Elysia()
    .onError(({ error, code }) => errorResponse(error, code))
    .use(processRoutes(control))
    .use(systemRoutes(control, opts.onShutdown ?? (() => void control.shutdown())));
}

export type App = ReturnType<typeof createApp>;
