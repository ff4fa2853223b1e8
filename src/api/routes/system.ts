import { Elysia } from "elysia";
import type { Control, ReloadPlan } from "../../domain/control.ts";
import { type EventRecord, eventTypeMatches } from "../../domain/types.ts";
import { readBody } from "../body.ts";
import { emptyBody, eventsQuery, reloadBody } from "../checks.ts";
import { parseQuery } from "../query.ts";
import { sseResponse } from "../sse.ts";

export function systemRoutes(
  control: Control,
  onShutdown: () => void,
  reload: (dryRun: boolean) => Promise<ReloadPlan>,
) {
  return new Elysia()
    .get("/v1/health", () => control.info())
    .get("/v1/events", ({ request }) => {
      const q = parseQuery(request, eventsQuery);
      const filter = { process: q.process, type: q.type, afterId: q.after, limit: q.lines ?? 100 };
      if (!q.follow) return control.events(filter);
      const matches = (e: EventRecord) =>
        (!q.process || e.process === q.process) && (!q.type || eventTypeMatches(q.type, e.type));
      return sseResponse((send) => {
        // Snapshot first, so a subscriber never has to guess the state it joined in.
        const list = control.list().filter((p) => !q.process || p.name === q.process);
        send("snapshot", list);
        return control.subscribe((e) => {
          if (matches(e)) send("event", e);
        });
      });
    })
    .post(
      "/v1/reload",
      async ({ request }) => {
        const body = await readBody(request, reloadBody);
        return reload(body.dry_run ?? false);
      },
      { parse: "none" },
    )
    .post(
      "/v1/shutdown",
      async ({ request }) => {
        await readBody(request, emptyBody);
        // Answer first; the daemon stops everything and exits after the response is sent.
        setImmediate(onShutdown);
        return { stopping: true };
      },
      { parse: "none" },
    )
    .get("/openapi.json", async () => (await import("../openapi.ts")).openApiDocument());
}
