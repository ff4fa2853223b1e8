import { Elysia } from "elysia";
import type { Control } from "../../domain/control.ts";
import { readBody } from "../body.ts";
import { addBody, emptyBody, historyQuery, progressBody, scaleBody, signalBody } from "../checks.ts";
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
        await readBody(request, emptyBody);
        return control.stop(params.name);
      },
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
