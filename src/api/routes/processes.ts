import { Elysia } from "elysia";
import type { Control } from "../../domain/control.ts";
import { TendError } from "../../errors.ts";
import type { OverrideChange } from "../../supervisor/unit/overrides.ts";
import { readBody } from "../body.ts";
import {
  addBody,
  emptyBody,
  historyQuery,
  progressBody,
  type SetBody,
  scaleBody,
  setBody,
  signalBody,
  stopBody,
} from "../checks.ts";
import { parseQuery } from "../query.ts";

// /v1/processes…: every route is a thin call into Control; no state lives here.
export function processRoutes(control: Control) {
  return new Elysia({ prefix: "/v1/processes" })
    .get("/", () => control.list())
    .post(
      "/",
      async ({ request, set }) => {
        const body = await readBody(request, addBody);
        set.status = 201;
        return control.add(body);
      },
      { parse: "none" },
    )
    .get("/:name", ({ params }) => control.get(params.name))
    .delete("/:name", async ({ params }) => {
      await control.remove(params.name);
      return { removed: params.name };
    })
    .post(
      "/:name/start",
      async ({ params, request }) => {
        await readBody(request, emptyBody);
        return control.start(params.name);
      },
      { parse: "none" },
    )
    .post(
      "/:name/stop",
      async ({ params, request }) => {
        const body = await readBody(request, stopBody);
        return control.stop(params.name, body.force === true);
      },
      { parse: "none" },
    )
    .post(
      "/:name/reset",
      async ({ params, request }) => {
        await readBody(request, emptyBody);
        return control.reset(params.name);
      },
      { parse: "none" },
    )
    .post(
      "/:name/set",
      async ({ params, request }) =>
        control.set(params.name, overrideChange(await readBody(request, setBody))),
      { parse: "none" },
    )
    .post(
      "/:name/restart",
      async ({ params, request }) => {
        await readBody(request, emptyBody);
        return control.restart(params.name);
      },
      { parse: "none" },
    )
    .post(
      "/:name/pause",
      async ({ params, request }) => {
        await readBody(request, emptyBody);
        return control.pause(params.name);
      },
      { parse: "none" },
    )
    .post(
      "/:name/resume",
      async ({ params, request }) => {
        await readBody(request, emptyBody);
        return control.resume(params.name);
      },
      { parse: "none" },
    )
    .post(
      "/:name/signal",
      async ({ params, request }) => {
        const body = await readBody(request, signalBody);
        return control.signal(params.name, body.signal);
      },
      { parse: "none" },
    )
    .post(
      "/:name/scale",
      async ({ params, request }) => {
        const body = await readBody(request, scaleBody);
        return control.scale(params.name, body.instances);
      },
      { parse: "none" },
    )
    .post(
      "/:name/progress",
      async ({ params, request }) => {
        const body = await readBody(request, progressBody);
        return control.progress(params.name, body.progress, body.message ?? null);
      },
      { parse: "none" },
    )
    .get("/:name/history", ({ params, request }) => {
      const q = parseQuery(request, historyQuery);
      return control.history(params.name, q.lines ?? 50);
    });
}

// A set body as the change it asks for: `clear` alone, or at least one key to set.
function overrideChange(body: SetBody): OverrideChange {
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
