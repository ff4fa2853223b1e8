import { z } from "zod";
import { RESTART_POLICIES, RESTART_POLICY_HINT } from "../config/policies.ts";
import { parseDurationMs, parseSizeBytes } from "../config/units.ts";

// API bodies and queries as zod schemas: what /openapi.json documents, and the reference that the
// hand-written checks the routes use (checks.ts, which keep zod out of the supervisor) are tested
// against in test/unit/api-checks.test.ts. Process bodies reuse the config's process schema
// (checked by the supervisor).
export const emptyBody = z.strictObject({});
export const signalBody = z.strictObject({ signal: z.string().min(1) });
export const reloadBody = z.strictObject({ dry_run: z.boolean().optional() });
export const addBody = z.looseObject({ name: z.string() });
const COPIES = "expected a whole number of copies from 1 to 1000";
export const scaleBody = z.strictObject({
  instances: z.number().refine((n) => Number.isInteger(n) && n >= 1 && n <= 1000, COPIES),
});
export const stopBody = z.strictObject({ force: z.boolean().optional() });
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
  clear: z.boolean().optional(),
});
export const progressBody = z.strictObject({
  progress: z.number().min(0, "expected a fraction from 0 to 1").max(1, "expected a fraction from 0 to 1"),
  message: z.string().max(500).optional(),
});

const flag = z
  .enum(["1", "0", "true", "false"])
  .optional()
  .transform((v) => v === "1" || v === "true");
const count = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `expected 1 to ${max}`)
    .optional();

export const eventsQuery = z.strictObject({
  follow: flag,
  process: z.string().optional(),
  type: z.string().optional(),
  lines: count(10_000),
  after: z.string().regex(/^\d+$/).transform(Number).optional(),
});

export const historyQuery = z.strictObject({ lines: count(10_000) });

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
    .optional(),
});

export const logsQuery = z.strictObject({
  lines: z
    .string()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .refine((n) => n <= 100_000, "expected at most 100000")
    .optional(),
  follow: z.enum(["1", "0", "true", "false"]).optional(),
  stream: z.enum(["stdout", "stderr"], { error: 'expected "stdout" or "stderr"' }).optional(),
});
