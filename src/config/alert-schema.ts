import { z } from "zod";
import { ALERT_KINDS, type AlertRule } from "../alerts/alert-rule.ts";

// [[alerts]]: rules on events (short names or full event types) or on log lines.
export function alertSchema(duration: z.ZodType<number, unknown>) {
  return z
    .strictObject({
      on: z
        .array(
          z
            .string()
            .refine((k) => (ALERT_KINDS as readonly string[]).includes(k) || /^[a-z]+\.[a-z_]+$/.test(k), {
              message: `expected one of ${ALERT_KINDS.join(", ")}, or an event type like "process.failed"`,
            }),
        )
        .min(1, "name at least one event"),
      pattern: z
        .string()
        .refine(validRegex, { message: "expected a valid regular expression" })
        .optional()
        .meta({ description: 'For on = ["log"]: the lines that alert' }),
      processes: z
        .array(z.string())
        .min(1)
        .optional()
        .meta({ description: "Only these processes (default all)" }),
      min_interval: duration.default(60_000).meta({ description: "At most one alert per interval per rule" }),
      webhook: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }).optional(),
      command: z
        .array(z.string())
        .min(1)
        .optional()
        .meta({ description: "Run with the alert as JSON on stdin" }),
      timeout: duration.default(5000),
      retries: z.number().int().min(0).max(10).default(3),
    })
    .superRefine((a, ctx) => {
      if (!a.webhook === !a.command) {
        ctx.addIssue({ code: "custom", message: "give exactly one of webhook or command" });
      }
      if (a.on.includes("log") && !a.pattern) {
        ctx.addIssue({ code: "custom", path: ["pattern"], message: 'on = ["log"] needs a pattern' });
      }
    });
}

export function validRegex(p: string): boolean {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

export type ParsedAlert = z.output<ReturnType<typeof alertSchema>>;

export function toAlertRule(a: ParsedAlert, index: number): AlertRule {
  return {
    index,
    on: a.on,
    pattern: a.pattern ? new RegExp(a.pattern) : null,
    processes: a.processes ?? null,
    minIntervalMs: a.min_interval,
    webhook: a.webhook ?? null,
    command: a.command ?? null,
    timeoutMs: a.timeout,
    retries: a.retries,
  };
}
