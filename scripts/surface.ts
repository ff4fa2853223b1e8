#!/usr/bin/env bun
// Writes src/api/surface.gen.ts from the route table (src/api/routes.ts) and the zod shapes
// (src/domain/shapes.ts, src/config/schema.ts): the routes as plain data, which the server
// registers and the client calls without loading zod, and the TypeScript type of every body,
// query, answer and stream event, which the client's users read without zod installed.
//
//   bun scripts/surface.ts          write it
//   bun scripts/surface.ts --check  exit 1 if it is stale (test/unit/api-surface.test.ts does this)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ROUTES, type RouteDeclaration } from "../src/api/routes.ts";
import * as inputs from "../src/api/schemas.ts";
import { configSchema, duration, probeShapes, processSchema, size } from "../src/config/schema.ts";
import { idsOf, NAMED, nameShape } from "../src/domain/shapes.ts";

export const SURFACE_FILE = join(import.meta.dir, "../src/api/surface.gen.ts");

// The config's own tables, named for the client's `add()` and startSupervisor()'s config.
const CONFIG_SHAPES: [string, z.ZodType][] = [
  ["HttpProbe", probeShapes.http],
  ["TcpProbe", probeShapes.tcp],
  ["ExecProbe", probeShapes.exec],
  ["LogProbe", probeShapes.log],
  ["ProcessConfig", processSchema],
  ["TendConfig", configSchema],
];
for (const [id, schema] of CONFIG_SHAPES) nameShape(id, schema);

type Json = { [key: string]: unknown };

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  return z.toJSONSchema(schema, { io, metadata: idsOf(), unrepresentable: "any" }) as Json;
}

// One JSON Schema (as zod writes them) as a TypeScript type.
export function typeOf(s: Json, indent = ""): string {
  if (typeof s.$ref === "string") return s.$ref.replace(/^#\/\$defs\//, "");
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf))
    return union(((s.anyOf ?? s.oneOf) as Json[]).map((b) => typeOf(b, indent)));
  if (Array.isArray(s.allOf)) return (s.allOf as Json[]).map((b) => paren(typeOf(b, indent))).join(" & ");
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return union(s.enum.map((v) => JSON.stringify(v)));
  if (Array.isArray(s.type)) return union(s.type.map((t) => typeOf({ ...s, type: t }, indent)));
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      if (Array.isArray(s.prefixItems))
        return `[${(s.prefixItems as Json[]).map((i) => typeOf(i, indent)).join(", ")}]`;
      return `${paren(s.items ? typeOf(s.items as Json, indent) : "unknown")}[]`;
    case "object":
      return objectType(s, indent);
    default:
      return "unknown";
  }
}

// Named object shapes another one may be made of (ProcessDetail is ProcessSnapshot and more),
// so each key is written once: those of the side (input or output) being written, but itself.
let bases: [id: string, schema: Json][] = [];
let self: string | null = null;

function baseOf(s: Json): { id: string; keys: Set<string> } | null {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  let best: { id: string; keys: Set<string> } | null = null;
  for (const [id, b] of bases) {
    const bp = (b.properties ?? {}) as Record<string, Json>;
    const keys = Object.keys(bp);
    if (id === self || b.additionalProperties !== false || keys.length < 3) continue;
    if (keys.length >= Object.keys(props).length || (best && keys.length <= best.keys.size)) continue;
    const breq = new Set((b.required ?? []) as string[]);
    const same = keys.every(
      (k) =>
        k in props && JSON.stringify(props[k]) === JSON.stringify(bp[k]) && required.has(k) === breq.has(k),
    );
    if (same) best = { id, keys: new Set(keys) };
  }
  return best;
}

function objectType(s: Json, indent: string): string {
  const base = s.additionalProperties === false ? baseOf(s) : null;
  const props = Object.fromEntries(
    Object.entries((s.properties ?? {}) as Record<string, Json>).filter(([k]) => !base?.keys.has(k)),
  );
  const required = new Set((s.required ?? []) as string[]);
  const extra = s.additionalProperties;
  const inner = `${indent}  `;
  const lines = Object.entries(props).map(([key, p]) => {
    const doc =
      typeof p.description === "string" ? `${inner}/** ${p.description.replace(/\*\//g, "* /")} */\n` : "";
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    return `${doc}${inner}${k}${required.has(key) ? "" : "?"}: ${typeOf(p, inner)};`;
  });
  const rest =
    extra === undefined || extra === false ? null : extra === true ? "unknown" : typeOf(extra as Json, inner);
  if (lines.length === 0) return rest === null ? "Record<string, never>" : `Record<string, ${rest}>`;
  const body = `{\n${lines.join("\n")}\n${indent}}`;
  const own = rest === null ? body : `${body} & Record<string, ${rest}>`;
  return base ? `${base.id} & ${own}` : own;
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? (unique[0] as string) : unique.map(paren).join(" | ");
}

function paren(t: string): string {
  return /^[\w"$[\]<>, ]+$/.test(t) || /^"[^"]*"$/.test(t) || t.startsWith("{") ? t : `(${t})`;
}

// How `tend add` takes each key of a process table on its command line: `--key VALUE` as text,
// a (whole) number, a duration or size, a flag (`--key`, `--no-key`), a repeatable list, or the
// config's own inline table or TOML value; the command comes after `--`, env as K=V.
const KINDS = [
  "command",
  "env",
  "text",
  "whole",
  "number",
  "duration",
  "size",
  "flag",
  "list",
  "table",
  "toml",
] as const;
type Kind = (typeof KINDS)[number];

function addKind(key: string, schema: z.ZodType): Kind {
  if (key === "command") return "command";
  if (key === "env") return "env";
  // A duration or a size, under its default, optional and refinements (a refined schema is a
  // copy whose parent is the one it refines).
  type Inner = { innerType?: z.ZodType };
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s && i < 10; i++) {
    if (s === duration) return "duration";
    if (s === size) return "size";
    s = (s._zod.def as Inner).innerType ?? (s._zod.parent as z.ZodType | undefined);
  }
  const js = jsonSchema(schema, "input");
  const branches = (js.oneOf ?? js.anyOf) as Json[] | undefined;
  const objectLike = (b: Json) => b.type === "object" || typeof b.$ref === "string";
  if (branches?.every(objectLike)) return "table";
  if (js.type === "boolean") return "flag";
  if (js.type === "integer") return "whole";
  if (js.type === "number") return "number";
  if (js.type === "string") return "text";
  if (js.type === "array") return (js.items as Json | undefined)?.type === "string" ? "list" : "toml";
  return js.type === "object" ? "table" : "toml";
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

// A body or query schema by its name in src/api/schemas.ts: what the server loads to check it.
function inputName(schema: z.ZodType): string {
  const found = Object.entries(inputs).find(([, v]) => v === schema);
  if (!found)
    throw new Error("every body and query schema of routes.ts must be exported by src/api/schemas.ts");
  return found[0];
}

// The server reads each query parameter as the type its schema declares.
function queryOf(r: RouteDeclaration): { schema: string; types: Record<string, string> } | false {
  if (!r.query) return false;
  const props = (jsonSchema(r.query, "input").properties ?? {}) as Record<string, Json>;
  const types = Object.fromEntries(
    Object.entries(props).map(([k, p]) => [
      k,
      p.type === "integer" || p.type === "number" ? "number" : String(p.type),
    ]),
  );
  return { schema: inputName(r.query), types };
}

// A type written out once: a route with the same query, body or events as an earlier one names
// that one's type.
const written = new Map<string, string>();
function once(name: string, body: string): string {
  const before = written.get(body);
  if (before !== undefined && body.includes("\n")) return before;
  written.set(body, name);
  return body;
}

export function generateSurface(): string {
  written.clear();
  const out: string[] = [
    "// Generated by `bun scripts/surface.ts` from src/api/routes.ts and the zod shapes it names",
    "// (src/domain/shapes.ts, src/api/schemas.ts, src/config/schema.ts). Do not edit: change those",
    "// and run it again; test/unit/api-surface.test.ts fails while this file is stale.",
    "",
    "// Every route as data: what the server registers and the client calls.",
    "export const ROUTES = {",
  ];
  for (const [name, r] of Object.entries(ROUTES) as [string, RouteDeclaration][]) {
    const data = {
      method: r.method,
      path: r.path,
      status: r.status ?? 200,
      body: r.body === undefined ? false : inputName(r.body),
      query: queryOf(r),
      stream: r.stream !== undefined,
      text: r.text ?? false,
    };
    out.push(`  ${name}: ${JSON.stringify(data).replace(/"(\w+)":/g, "$1: ")},`);
  }
  out.push("} as const;", "", "export type RouteName = keyof typeof ROUTES;", "");
  const kinds = Object.entries(processSchema.shape).map(
    ([k, v]) => `  ${k}: "${addKind(k, v as z.ZodType)}",`,
  );
  out.push("// How `tend add` takes each key of a process table (see addKind in the generator).");
  out.push(`export type KeyKind = ${KINDS.map((k) => `"${k}"`).join(" | ")};`);
  out.push(
    `export const PROCESS_KEYS = {\n${kinds.join("\n")}\n} as const satisfies Record<string, KeyKind>;`,
    "",
  );

  out.push("// The shapes, as the API answers them.");
  const INPUTS = CONFIG_SHAPES.map(([id]) => id);
  const named = NAMED.map(([id, schema]) => {
    const whole = jsonSchema(schema, INPUTS.includes(id) ? "input" : "output");
    // The shape itself comes back as a reference to its own definition.
    const js = whole.$ref === `#/$defs/${id}` ? ((whole.$defs as Record<string, Json>)[id] as Json) : whole;
    return [id, js] as [string, Json];
  });
  const outputs = named.filter(([id]) => !INPUTS.includes(id));
  const inputs = named.filter(([id]) => INPUTS.includes(id));
  for (const [id, js] of named) {
    bases = INPUTS.includes(id) ? inputs : outputs;
    self = id;
    const doc = typeof js.description === "string" ? `/** ${js.description} */\n` : "";
    out.push(`${doc}export type ${id} = ${typeOf(js)};`, "");
  }
  self = null;

  out.push("// What each route takes.");
  const methods: string[] = [];
  for (const [name, r] of Object.entries(ROUTES) as [string, RouteDeclaration][]) {
    const args: string[] = r.path.includes(":name") ? ["name: string"] : [];
    for (const [kind, schema] of [
      ["Query", r.query],
      ["Body", r.body],
    ] as const) {
      if (!schema) continue;
      const typeName = `${pascal(name)}${kind}`;
      const js = jsonSchema(schema, "input");
      bases = inputs;
      out.push(`export type ${typeName} = ${once(typeName, typeOf(js))};`, "");
      const optional = ((js.required ?? []) as string[]).length === 0;
      args.push(`${kind === "Query" ? "query" : "body"}${optional ? "?" : ""}: ${typeName}`);
    }
    bases = outputs;
    const answer = typeOf(jsonSchema(r.response, "output"));
    out.push(`export type ${pascal(name)}Answer = ${answer};`, "");
    if (r.stream) {
      const kinds = Object.entries(r.stream).map(
        ([k, v]) => `  ${k}: ${typeOf(jsonSchema(v, "output"), "  ")};`,
      );
      const events = `${pascal(name)}StreamEvents`;
      out.push(`export type ${events} = ${once(events, `{\n${kinds.join("\n")}\n}`)};`, "");
      continue;
    }
    methods.push(
      `  /** ${r.summary}: ${r.method} ${r.path} */\n  ${name}(${args.join(", ")}): Promise<${pascal(name)}Answer>;`,
    );
  }
  out.push(
    "// One method per route that answers once (logs and events stream: see the client).",
    `export interface RouteMethods {\n${methods.join("\n")}\n}`,
    "",
  );
  return out.join("\n");
}

if (import.meta.main) {
  const text = generateSurface();
  if (process.argv.includes("--check")) {
    const current = readFileSync(SURFACE_FILE, "utf8");
    if (current !== text) {
      console.error(`${SURFACE_FILE} is stale: run bun scripts/surface.ts`);
      process.exit(1);
    }
  } else writeFileSync(SURFACE_FILE, text);
}
