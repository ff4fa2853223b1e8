import { RESTART_POLICIES, RESTART_POLICY_HINT } from "../config/policies.ts";
import { parseDurationMs, parseSizeBytes } from "../config/units.ts";

// The API's body and query checks, written by hand so that the supervisor answering requests
// never loads zod (several MiB that stay once loaded). They answer exactly as the zod schemas
// in schemas.ts would, issues and messages included; test/unit/api-checks.test.ts holds them
// to that. Only `POST /v1/processes` goes on to zod, in the supervisor's process check.

// Shaped like zod's issues, so body.ts and query.ts word them as they always have.
export interface Issue {
  code: string;
  path: string[];
  message: string;
  keys?: string[];
}

export type Checked<T> = { success: true; data: T } | { success: false; error: { issues: Issue[] } };

export interface Check<T> {
  safeParse(data: unknown): Checked<T>;
}

type FieldResult<T> = { ok: true; value: T } | { ok: false; code: string; message: string };
type Field<T> = (value: unknown) => FieldResult<T>;
type Shape = Record<string, Field<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const fail = (code: string, message: string): FieldResult<never> => ({ ok: false, code, message });

// zod's words for a value of the wrong type: "Invalid input: expected string, received number".
function typeName(v: unknown): string {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? "number" : String(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}
const wrongType = (expected: string, v: unknown) =>
  fail("invalid_type", `Invalid input: expected ${expected}, received ${typeName(v)}`);

// z.strictObject / z.looseObject: the declared keys in order, then one issue for unknown keys.
// Optional keys absent from the input stay absent unless their check gives them a value.
function object<S extends Shape>(shape: S, mode: "strict" | "loose"): Check<Out<S>> {
  return {
    safeParse(data) {
      if (typeof data !== "object" || data === null || Array.isArray(data)) {
        const f = wrongType("object", data) as { code: string; message: string };
        return { success: false, error: { issues: [{ code: f.code, path: [], message: f.message }] } };
      }
      const input = data as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const issues: Issue[] = [];
      for (const [key, check] of Object.entries(shape)) {
        const r = check(input[key]);
        if (!r.ok) issues.push({ code: r.code, path: [key], message: r.message });
        else if (r.value !== undefined || key in input) out[key] = r.value;
      }
      const unknown: string[] = [];
      for (const key in input) {
        if (Object.hasOwn(shape, key)) continue;
        if (mode === "strict") unknown.push(key);
        else if (key !== "__proto__") out[key] = input[key];
      }
      if (unknown.length) {
        const list = unknown.map((k) => `"${k}"`).join(", ");
        const message = `Unrecognized key${unknown.length > 1 ? "s" : ""}: ${list}`;
        issues.push({ code: "unrecognized_keys", path: [], message, keys: unknown });
      }
      return issues.length ? { success: false, error: { issues } } : { success: true, data: out as Out<S> };
    },
  };
}

function optional<T>(field: Field<T>): Field<T | undefined> {
  return (v) => (v === undefined ? ok(undefined) : field(v));
}

function string(opts: { min?: number; max?: number } = {}): Field<string> {
  return (v) => {
    if (typeof v !== "string") return wrongType("string", v);
    if (opts.min !== undefined && v.length < opts.min)
      return fail("too_small", `Too small: expected string to have >=${opts.min} characters`);
    if (opts.max !== undefined && v.length > opts.max)
      return fail("too_big", `Too big: expected string to have <=${opts.max} characters`);
    return ok(v);
  };
}

const boolean: Field<boolean> = (v) => (typeof v === "boolean" ? ok(v) : wrongType("boolean", v));

// A finite number from min to max, with one message for both ends.
function fraction(min: number, max: number, message: string): Field<number> {
  return (v) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return wrongType("number", v);
    if (v < min) return fail("too_small", message);
    if (v > max) return fail("too_big", message);
    return ok(v);
  };
}

// z.enum: zod lists the options with number-like ones first (they are an object's keys there).
function oneOf<const T extends string>(options: readonly T[], message?: string): Field<T> {
  const listed = Object.keys(Object.fromEntries(options.map((o) => [o, o])));
  const text = message ?? `Invalid option: expected one of ${listed.map((o) => `"${o}"`).join("|")}`;
  return (v) => (options.includes(v as T) ? ok(v as T) : fail("invalid_value", text));
}

// A whole number written in digits, then a bound on it: z.string().regex(…).transform(Number).refine(…).
function digits(bad: string, within?: { ok: (n: number) => boolean; message: string }): Field<number> {
  return (v) => {
    if (typeof v !== "string") return wrongType("string", v);
    if (!/^\d+$/.test(v)) return fail("invalid_format", bad);
    const n = Number(v);
    if (within && !within.ok(n)) return fail("custom", within.message);
    return ok(n);
  };
}

const WHOLE = "expected a whole number";
const FLAGS = ["1", "0", "true", "false"] as const;
const count = (max: number) =>
  optional(digits(WHOLE, { ok: (n) => n >= 1 && n <= max, message: `expected 1 to ${max}` }));
const flag: Field<boolean> = (v) => {
  const r = optional(oneOf(FLAGS))(v);
  return r.ok ? ok(r.value === "1" || r.value === "true") : r;
};

// Action routes (start, stop, …, shutdown) take no body: none, or `{}`.
export const emptyBody = object({}, "strict");
export const signalBody = object({ signal: string({ min: 1 }) }, "strict");
export const reloadBody = object({ dry_run: optional(boolean) }, "strict");
// The rest of a new process is checked by the supervisor (runtime-spec.ts).
export const addBody = object({ name: string() }, "loose") as Check<
  { name: string } & Record<string, unknown>
>;
// z.number().refine(…): a number first, then the one custom check.
const copies: Field<number> = (v) => {
  if (typeof v !== "number" || !Number.isFinite(v)) return wrongType("number", v);
  return Number.isInteger(v) && v >= 1 && v <= 1000
    ? ok(v)
    : fail("custom", "expected a whole number of copies from 1 to 1000");
};
export const scaleBody = object({ instances: copies }, "strict");
export const stopBody = object({ force: optional(boolean) }, "strict");
// z.number({ error }).refine(ok, message): one message whatever is wrong.
const wholeNumber = (within: (n: number) => boolean, message: string): Field<number> => {
  return (v) => {
    if (typeof v !== "number" || !Number.isFinite(v)) return fail("invalid_type", message);
    return Number.isSafeInteger(v) && within(v) ? ok(v) : fail("custom", message);
  };
};
const BYTES = 'expected a size like "512MiB" or a whole number of bytes, or null for no limit';
const bytes: Field<number | null> = (v) => {
  if (v === null) return ok(null);
  if (typeof v !== "number" && typeof v !== "string") return fail("invalid_union", BYTES);
  const n = typeof v === "number" ? v : parseSizeBytes(v);
  return n !== null && Number.isSafeInteger(n) && n > 0 ? ok(n) : fail("custom", BYTES);
};
export const setBody = object(
  {
    restart: optional(oneOf(RESTART_POLICIES, RESTART_POLICY_HINT)),
    max_restarts: optional(wholeNumber((n) => n >= 0, "expected a whole number from 0")),
    max_memory: optional(bytes),
    clear: optional(boolean),
  },
  "strict",
);
export type SetBody = typeof setBody extends Check<infer T> ? T : never;
export const progressBody = object(
  {
    progress: fraction(0, 1, "expected a fraction from 0 to 1"),
    message: optional(string({ max: 500 })),
  },
  "strict",
);

export const eventsQuery = object(
  {
    follow: flag,
    process: optional(string()),
    type: optional(string()),
    lines: count(10_000),
    after: optional(digits("Invalid string: must match pattern /^\\d+$/")),
  },
  "strict",
);

export const historyQuery = object({ lines: count(10_000) }, "strict");

export const logsQuery = object(
  {
    lines: optional(digits(WHOLE, { ok: (n) => n <= 100_000, message: "expected at most 100000" })),
    follow: optional(oneOf(FLAGS)),
    stream: optional(oneOf(["stdout", "stderr"], 'expected "stdout" or "stderr"')),
  },
  "strict",
);

// ?window=30s: only checks started in the last 30 seconds.
export const probeScheduleQuery = object(
  {
    window: optional((v) => {
      if (typeof v !== "string") return wrongType("string", v);
      const ms = parseDurationMs(v);
      return ms === null ? fail("custom", 'expected a duration like "30s"') : ok(ms);
    }),
  },
  "strict",
);
