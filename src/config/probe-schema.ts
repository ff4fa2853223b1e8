import { z } from "zod";
import { parseStatusRange } from "./probe-spec.ts";

// Probe tables (`readiness`, `liveness`, `startup`). Built from the config's own duration and
// command schemas, passed in so this module does not import schema.ts (which imports it).
// Defaults where SPEC is silent follow Kubernetes: no initial delay, every 10s, 1s timeout,
// one success to pass, three failures in a row to fail.

const STATUS_HINT = 'expected an HTTP status like 200, a range like "200-299", or a list of those';

const statusItem = z
  .union([z.number(), z.string()], { error: STATUS_HINT })
  .refine((v) => parseStatusRange(v) !== null, { message: STATUS_HINT });

function validRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

type DurationSchema = z.ZodType<number, number | string>;
type CommandSchema = z.ZodType<string | string[], string | string[]>;

export function probeSchemas(duration: DurationSchema, command: CommandSchema) {
  const timing = {
    initial_delay: duration.default(0),
    interval: duration.default(10_000).refine((ms) => ms >= 10, "interval must be at least 10ms"),
    timeout: duration.default(1000).refine((ms) => ms >= 1, "timeout must be at least 1ms"),
    success_threshold: z.number().int().min(1, "success_threshold must be at least 1").default(1),
    failure_threshold: z.number().int().min(1, "failure_threshold must be at least 1").default(3),
  };
  const http = z.strictObject({
    type: z.literal("http"),
    url: z.url({
      protocol: /^https?$/,
      error: 'expected an http(s) URL like "http://127.0.0.1:3000/health"',
    }),
    method: z.enum(["GET", "HEAD", "POST", "PUT", "OPTIONS"]).default("GET"),
    headers: z.record(z.string(), z.string()).default({}),
    expect_status: z
      .union([statusItem, z.array(statusItem).min(1)])
      .optional()
      .meta({ description: 'Statuses that pass: 200, "200-299" or a list; default 200-399' }),
    ...timing,
  });
  const tcp = z.strictObject({
    type: z.literal("tcp"),
    host: z.string().min(1).default("127.0.0.1"),
    port: z
      .number({ error: "expected a port number from 1 to 65535" })
      .int()
      .min(1, "expected a port from 1 to 65535")
      .max(65_535, "expected a port from 1 to 65535"),
    ...timing,
  });
  const exec = z.strictObject({ type: z.literal("exec"), command, ...timing });
  const log = z.strictObject({
    type: z.literal("log"),
    pattern: z
      .string()
      .min(1)
      .refine(validRegex, "expected a regular expression")
      .meta({ description: "A regular expression matched against each line the process prints" }),
    ...timing,
  });
  const probe = z.discriminatedUnion("type", [http, tcp, exec, log], {
    error: 'expected a probe table with type = "http", "tcp", "exec" or "log"',
  });
  // A log line says a process got somewhere, not that it is still alive: no log liveness.
  const livenessProbe = z.discriminatedUnion("type", [http, tcp, exec], {
    error:
      'expected a probe table with type = "http", "tcp" or "exec" (a log probe is for readiness or startup only)',
  });
  return { probe, livenessProbe, http, tcp, exec, log };
}
