import { z } from "zod";
import { RESTART_POLICIES, RESTART_POLICY_HINT } from "../config/policies.ts";
import { parseDurationMs, parseSizeBytes } from "../config/units.ts";

// What the API's routes take: bodies and query strings, as zod schemas. routes.ts names them per
// route; the server validates with them, /openapi.json and the client's types are made from them.
// Query strings are declared by the values they carry (a number, a flag): the server reads each
// parameter as its schema's type before checking it (query.ts).

// POST /v1/processes: a process table of the config file, with its name. The config's schema
// is loaded when a process is added, not whenever a body is checked.
type ConfigSchemas = typeof import("../config/schema.ts");
export const addBody = z.lazy(() =>
  (require("../config/schema.ts") as ConfigSchemas).processSchema.extend({
    name: z.string().describe("the new process's name, as a key of [processes] would be"),
  }),
);
export const signalBody = z.strictObject({
  signal: z.string().min(1).describe('a name ("SIGHUP", "HUP") or a number'),
});
export const reloadBody = z.strictObject({
  dryRun: z.boolean().optional().describe("report the plan and change nothing"),
});
export const scaleBody = z.strictObject({
  instances: z
    .number()
    .refine(
      (n) => Number.isInteger(n) && n >= 1 && n <= 1000,
      "expected a whole number of copies from 1 to 1000",
    ),
});
export const stopBody = z.strictObject({
  force: z.boolean().optional().describe("SIGKILL the whole tree now"),
});
const WHOLE_COUNT = "expected a whole number from 0";
const BYTES = 'expected a size like "512MiB" or a whole number of bytes, or null for no limit';
const whole = (n: number) => Number.isSafeInteger(n);
// `tend set`: config-shaped keys over the process's policy, or `clear` for none.
export const setBody = z.strictObject({
  restart: z.enum(RESTART_POLICIES, { error: RESTART_POLICY_HINT }).optional(),
  max_restarts: z
    .number({ error: WHOLE_COUNT })
    .refine((n) => whole(n) && n >= 0, WHOLE_COUNT)
    .optional(),
  max_memory: z
    .union([z.number(), z.string()], { error: BYTES })
    .transform((v, ctx) => {
      const n = typeof v === "number" ? v : parseSizeBytes(v);
      if (n === null || !whole(n) || n <= 0) {
        ctx.addIssue({ code: "custom", message: BYTES });
        return z.NEVER;
      }
      return n;
    })
    .nullable()
    .optional(),
  clear: z.boolean().optional().describe("take every override away"),
});
const FRACTION = "expected a fraction from 0 to 1";
export const progressBody = z.strictObject({
  progress: z.number().min(0, FRACTION).max(1, FRACTION),
  message: z.string().max(500).optional(),
});

const count = (max: number) =>
  z
    .number({ error: "expected a whole number" })
    .int("expected a whole number")
    .min(1, `expected 1 to ${max}`)
    .max(max, `expected 1 to ${max}`)
    .optional();
const follow = z.boolean().optional().describe("stream server-sent events: what is there, then what comes");

export const eventsQuery = z.strictObject({
  follow,
  process: z.string().optional().describe("only this process's events"),
  type: z.string().optional().describe('this type and the types under it: "process" is every process.*'),
  events: count(10_000).describe("how many of the latest events (default 100)"),
  after: z.number().int().min(0).optional().describe("only events with a larger id"),
});

export const historyQuery = z.strictObject({
  runs: count(10_000).describe("how many of the latest runs (default 50)"),
});

export const logsQuery = z.strictObject({
  lines: z
    .number({ error: "expected a whole number" })
    .int("expected a whole number")
    .min(0, "expected a whole number")
    .max(100_000, "expected at most 100000")
    .optional()
    .describe("how many of the last lines (default 100)"),
  follow,
  stream: z.enum(["stdout", "stderr"], { error: 'expected "stdout" or "stderr"' }).optional(),
  since: z
    .number({ error: "expected epoch milliseconds" })
    .int("expected epoch milliseconds")
    .min(0, "expected epoch milliseconds")
    .optional()
    .describe("only lines read since then, epoch ms (of those kept in memory: log_buffer_lines)"),
});

// ?window=30s: only checks started in the last 30 seconds.
export const probeScheduleQuery = z.strictObject({
  window: z
    .string()
    .transform((v, ctx) => {
      const ms = parseDurationMs(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: 'expected a duration like "30s"' });
        return z.NEVER;
      }
      return ms;
    })
    .optional()
    .describe('only checks started in this last while, "30s"'),
});

export const samplesQuery = z.strictObject({ follow });
