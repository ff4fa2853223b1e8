import type { z } from "zod";
import { formatPath, issuesFromZod } from "../config/issues.ts";
import type { Issue } from "../domain/shapes.ts";
import { TendError } from "../errors.ts";
import type { Input } from "./handlers.ts";
import { ROUTES, type RouteName } from "./surface.gen.ts";

export const MAX_BODY_BYTES = 64 * 1024;

// The schemas a route declares for its body and query (src/api/schemas.ts, named in
// surface.gen.ts), loaded on the first request that has one to check: an idle supervisor keeps
// zod out of memory. `require` keeps this synchronous; in the compiled binary the module is
// bundled, not read.
function schema(name: string): z.ZodType {
  const inputs = require("./schemas.ts") as Record<string, z.ZodType>;
  return inputs[name] as z.ZodType;
}

// A route's query string and body, each checked against what the route declares, before the
// route acts. An empty body counts as `{}`. A route that declares no body takes none (or `{}`); one that
// declares no query takes no parameters. Every refusal is a BAD_REQUEST naming each problem.
export async function readInput<K extends RouteName>(
  name: K,
  request: Request,
  params: Record<string, string | undefined>,
): Promise<Input<K>> {
  const route = ROUTES[name];
  const query = readQuery(name, request);
  let body: unknown;
  let data: unknown;
  if (route.method !== "GET") {
    data = await readJson(request);
    if (route.body) body = check(schema(route.body), data === undefined ? {} : data, (text) => text);
    else if (data !== undefined) noBody(data);
  }
  return { name: params.name ?? "", query, body, written: data === undefined ? {} : data } as Input<K>;
}

function readQuery(name: RouteName, request: Request): unknown {
  const url = request.url;
  const at = url.indexOf("?");
  const query: { schema: string; types: Record<string, string> } | false = ROUTES[name].query;
  if (at === -1 || at === url.length - 1) return query ? {} : undefined;
  const params = new URL(url).searchParams;
  if (!query) {
    const keys = [...new Set(params.keys())];
    const listed = keys.map((k) => `${k}: unknown parameter`).join("; ");
    throw new TendError("BAD_REQUEST", `bad query: ${listed} (this route takes none)`);
  }
  // Each parameter as its schema's type: "5" a number, "1"/"true" and "0"/"false" a flag. What
  // does not read as that type stays text, and the schema says what was expected.
  // No prototype: `?__proto__=x` is a parameter like any other, and refused as unknown.
  const raw: Record<string, unknown> = Object.create(null);
  for (const [key, value] of params) {
    const type = query.types[key];
    raw[key] =
      type === "number" && /^-?\d+(\.\d+)?$/.test(value)
        ? Number(value)
        : type === "boolean" && (value === "1" || value === "true")
          ? true
          : type === "boolean" && (value === "0" || value === "false")
            ? false
            : value;
  }
  return check(schema(query.schema), raw, (text) => `bad query: ${text}`);
}

function check(schema: z.ZodType, data: unknown, word: (text: string) => string): unknown {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  refuse(issuesFromZod(parsed.error), word);
}

function refuse(issues: Issue[], word: (text: string) => string = (t) => t): never {
  throw new TendError("BAD_REQUEST", word(issues.map((i) => `${i.path}: ${i.message}`).join("; ")), {
    issues,
  });
}

// No body, or `{}`: anything else is refused, naming each key.
function noBody(data: unknown): void {
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const keys = Object.keys(data);
    if (keys.length) refuse(keys.map((key) => ({ path: formatPath([key]), message: "unknown key" })));
    return;
  }
  refuse([{ path: formatPath([]), message: "this route takes no body (send none, or {})" }]);
}

// The body as JSON; undefined when there is none. A body cut short (the client went away) is no
// empty body: an action must not take it as one.
async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (request.headers.has("content-length") && bytes.byteLength !== declared)
    throw new TendError(
      "BAD_REQUEST",
      `the request body was cut short (${bytes.byteLength} of ${declared} bytes)`,
    );
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new TendError("BAD_REQUEST", "the request body is not valid JSON");
  }
}

function tooLarge(): TendError {
  return new TendError("PAYLOAD_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
}
