import { z } from "zod";
import { apiError, idsOf, NAMED } from "../domain/shapes.ts";
import { ERROR_CODES, httpStatusOf } from "../errors.ts";
import { VERSION } from "../version.ts";
import { ROUTES, type RouteDeclaration } from "./routes.ts";

type Json = Record<string, unknown>;
const REF = "#/components/schemas/";

// /openapi.json, generated from the route table: every parameter, every body, and a strict schema
// (no unknown keys) for every answer, its errors and its stream events. Named shapes are listed
// once under components.schemas and referred to from the operations.
export function openApiDocument(): Json {
  const schemas: Record<string, Json> = {};
  const convert = (schema: z.ZodType, io: "input" | "output"): Json => {
    const js = z.toJSONSchema(schema, { io, metadata: idsOf(), unrepresentable: "any" }) as Json;
    const defs = (js.$defs ?? {}) as Record<string, Json>;
    for (const [id, def] of Object.entries(defs)) schemas[id] ??= relink(def);
    const { $defs: _, $schema: __, ...rest } = js;
    return relink(rest);
  };
  for (const [id, schema] of NAMED) if (!schemas[id]) convert(schema, "output");

  const paths: Record<string, Record<string, Json>> = {};
  for (const [name, r] of Object.entries(ROUTES) as [string, RouteDeclaration][]) {
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const parameters: Json[] = [];
    if (r.path.includes(":name"))
      parameters.push({ name: "name", in: "path", required: true, schema: { type: "string" } });
    if (r.query) {
      const q = convert(r.query, "input");
      for (const [key, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
        const { description, ...rest } = schema;
        parameters.push({ name: key, in: "query", required: false, description, schema: rest });
      }
    }
    const answer: Json = r.text
      ? { [r.text.split(";")[0] as string]: { schema: convert(r.response, "output") } }
      : { "application/json": { schema: convert(r.response, "output") } };
    if (r.stream) answer["text/event-stream"] = { schema: streamSchema(r.stream, convert) };
    const op: Json = {
      operationId: name,
      summary: r.summary,
      responses: {
        [String(r.status ?? 200)]: { description: "OK", content: answer },
        "4XX": {
          description: "Refused",
          content: { "application/json": { schema: { $ref: `${REF}ApiError` } } },
        },
      },
    };
    if (parameters.length) op.parameters = parameters;
    if (r.body)
      op.requestBody = {
        required: false,
        content: { "application/json": { schema: convert(r.body, "input") } },
      };
    paths[path] ??= {};
    (paths[path] as Record<string, Json>)[r.method.toLowerCase()] = op;
  }
  convert(apiError, "output");
  return {
    openapi: "3.1.0",
    info: {
      title: "tend control API",
      version: VERSION,
      description: `Errors: ${ERROR_CODES.map((c) => `${c} (${httpStatusOf(c)})`).join(", ")}.`,
    },
    paths,
    components: { schemas },
  };
}

// A server-sent event as {event, data}: one of the declared kinds, or the last `end`.
function streamSchema(kinds: Record<string, z.ZodType>, convert: (s: z.ZodType, io: "output") => Json): Json {
  const end = z.strictObject({ reason: z.string() });
  const all = { ...kinds, end };
  return {
    description: "each server-sent event as {event, data}",
    oneOf: Object.entries(all).map(([event, schema]) => ({
      type: "object",
      properties: { event: { const: event }, data: convert(schema, "output") },
      required: ["event", "data"],
      additionalProperties: false,
    })),
  };
}

// zod's "#/$defs/X" as OpenAPI's "#/components/schemas/X".
function relink<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', `"${REF}`)) as T;
}
