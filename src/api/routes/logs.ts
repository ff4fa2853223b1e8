import { Elysia } from "elysia";
import type { Control } from "../../domain/control.ts";
import { logsQuery } from "../checks.ts";
import { parseQuery } from "../query.ts";
import { sseResponse } from "../sse.ts";

// GET …/logs: the last lines as JSON, or with follow=1 as server-sent events: those lines
// first ("line" events), then every new line, across restarts and rotations, until the client
// goes away. DELETE …/logs empties the files on purpose.
export function logRoutes(control: Control) {
  return new Elysia({ prefix: "/v1/processes" })
    .get("/:name/logs", ({ params, request }) => {
      const q = parseQuery(request, logsQuery);
      const lines = control.logs(params.name, { lines: q.lines ?? 100, stream: q.stream });
      if (q.follow !== "1" && q.follow !== "true") return lines;
      return sseResponse((send) => {
        for (const l of lines) send("line", l);
        return control.followLogs(params.name, q.stream, (l) => send("line", l));
      });
    })
    .delete("/:name/logs", ({ params }) => {
      control.clearLogs(params.name);
      return { cleared: params.name };
    });
}
