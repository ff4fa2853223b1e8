import { z } from "zod";
import { normalizeSignal } from "../proc/signals.ts";
import { alertSchema, validRegex } from "./alert-schema.ts";
import { dashboardIssues, dashboardKeys, listenAddress } from "./dashboard-schema.ts";
import { expandEnvIssues } from "./expand-vars.ts";
import { NAME_PATTERN, nameProblem } from "./names.ts";
import { RESTART_POLICIES, RESTART_POLICY_HINT } from "./policies.ts";
import { PRESET_NAMES, presetIssues } from "./presets.ts";
import { probeSchemas } from "./probe-schema.ts";
import { timezoneProblem } from "./schedule-expression.ts";
import {
  combinationIssues,
  cron,
  environmentSchema,
  envTable,
  globs,
  instances,
} from "./shape-keys-schema.ts";
import { parseDurationMs, parseSizeBytes } from "./units.ts";

// The single source of truth for the config file and the API's process bodies. The JSON Schema
// (`tend schema`) is generated from these with io: "input", so it describes what people write.

const DURATION_HINT = 'expected a duration like "250ms", "10s", "5m" or whole milliseconds';
const SIZE_HINT = 'expected a size like "10MiB", "512KB" or whole bytes';

// A number or a string with a unit, converted by `parse`; one message says what was expected.
function measured(parse: (text: string) => number | null, hint: string, description: string) {
  return z
    .union([z.number().int().nonnegative(), z.string()], { error: hint })
    .transform((v, ctx) => {
      const n = typeof v === "number" ? v : parse(v);
      if (n === null) {
        ctx.addIssue({ code: "custom", message: `${hint}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    })
    .meta({ description });
}

export const duration = measured(
  parseDurationMs,
  DURATION_HINT,
  'A duration: "250ms", "10s", "5m", "1h", or milliseconds',
);
export const size = measured(parseSizeBytes, SIZE_HINT, 'A size: "10MiB", "512KB", or bytes');

const signal = z.string().refine((s) => normalizeSignal(s) !== null, {
  message: "expected a signal name like SIGTERM, SIGINT or SIGHUP",
});

const command = z.union(
  [
    z.string().min(1, "command must not be empty"),
    z.array(z.string()).min(1, "command must have at least the program"),
  ],
  { error: 'expected a command: an array like ["bun", "server.ts"] or a string run by /bin/sh -c' },
);

export const backoffSchema = z.strictObject({
  initial: duration.default(1000),
  factor: z.number().min(1, "factor must be at least 1").default(2),
  max: duration.default(60_000),
  jitter: z.number().min(0).max(1, "jitter is a fraction between 0 and 1").default(0.1),
  reset_after: duration.default(60_000),
});

// Exported for the generated client types, which name each kind of probe.
export const probeShapes = probeSchemas(duration, command);
const { probe, livenessProbe } = probeShapes;

const dependencyCondition = z.enum(["started", "healthy", "completed", "succeeded"], {
  error: 'expected "started", "healthy", "completed" (exited) or "succeeded" (exited with a success code)',
});

export const processSchema = z
  .strictObject({
    command: command.optional(),
    script: z
      .string()
      .min(1, "script must name a script of package.json")
      .optional()
      .meta({ description: "Instead of command: run this package.json script as its package manager would" }),
    type: z
      .enum(["simple", "forking"], {
        error: 'expected "simple" or "forking" (a program that daemonizes itself)',
      })
      .default("simple")
      .meta({ description: '"forking": the program daemonizes; the run is its main process (pid_file)' }),
    pid_file: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "With type = forking: the file the daemon writes its pid to" }),
    cwd: z.string().optional(),
    env: envTable.default({}),
    env_file: z.string().optional(),
    autostart: z
      .boolean()
      .optional()
      .meta({ description: "Start at `tend up` (default: true; false with a schedule)" }),
    restart: z.enum(RESTART_POLICIES, { error: RESTART_POLICY_HINT }).default("on-failure"),
    backoff: backoffSchema.default(backoffSchema.parse({})),
    max_restarts: z.number().int().nonnegative().default(0),
    success_exit_codes: z.array(z.number().int().min(0).max(255)).default([0]),
    stop_signal: signal.default("SIGTERM"),
    stop_timeout: duration.default(10_000),
    log_max_size: size
      .default(10 * 1024 * 1024)
      .meta({ description: "Rotate a log file at this size (0: never)" }),
    log_keep: z.number().int().min(0).max(1000).default(5).meta({ description: "Rotated files kept" }),
    log_timestamps: z
      .boolean()
      .default(false)
      .meta({ description: "Prefix each line with an ISO-8601 time" }),
    log_merge: z.boolean().default(false).meta({ description: "stdout and stderr in one file, NAME.log" }),
    log_compress: z.boolean().default(false).meta({ description: "gzip rotated files" }),
    log_line_max: size.default(65_536).meta({ description: "Longer lines are cut into pieces of this size" }),
    max_memory: size
      .optional()
      .meta({ description: "Restart when the process tree's RSS stays above this for two samples" }),
    progress_pattern: z
      .string()
      .refine(validRegex, { message: "expected a regular expression whose first group is the progress" })
      .optional()
      .meta({ description: 'Lines matching this report progress: first group "42%", "42" or "0.42"' }),
    startup: probe.optional().meta({ description: "Holds readiness and liveness until it passes" }),
    readiness: probe.optional().meta({ description: "Sets health; holds dependents; never restarts" }),
    liveness: livenessProbe.optional().meta({ description: "Failing restarts the process (backoff)" }),
    depends_on: z
      .record(z.string(), dependencyCondition)
      .default({})
      .meta({ description: 'Start after these: { db = "healthy", migrate = "succeeded" }' }),
    preset: z
      .enum(PRESET_NAMES)
      .optional()
      .meta({ description: "Keys for a common pattern, expanded at load" }),
    instances: instances
      .optional()
      .meta({ description: "Run N copies named NAME:0 … NAME:N-1 (each its own PORT = port + i)" }),
    port: z.number().int().min(1).max(65_535).optional().meta({
      description: "The port the process listens on: checked free before each start, shown in status",
    }),
    probe_owner_check: z
      .boolean()
      .default(true)
      .meta({ description: "A TCP probe of a local port passes only if this process holds the listener" }),
    health_path: z
      .string()
      .startsWith("/", 'expected a path like "/health"')
      .optional()
      .meta({ description: 'Path of the web preset\'s readiness probe (default "/")' }),
    user: z.string().min(1).optional().meta({ description: "Run as this user (tend must run as root)" }),
    image: z
      .string()
      .regex(/^[^\s]+$/, "expected a container image like ghcr.io/acme/api:1.4 (no spaces)")
      .optional()
      .meta({
        description: "The container image `tend export kubernetes` runs this in; tend itself ignores it",
      }),
    group: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Run with this group (default: the user's group)" }),
    schedule: cron('Start the process at these times (5-field cron, "0 3 * * *"); never two runs at once'),
    restart_schedule: cron("Restart the running process at these times (5-field cron)"),
    timezone: z
      .string()
      .superRefine((tz, ctx) => {
        const problem = timezoneProblem(tz);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional()
      .meta({
        description: 'The time zone of schedule and restart_schedule (default: the host\'s), "Europe/Paris"',
      }),
    timeout: duration
      .refine((ms) => ms > 0, { message: "timeout must be longer than 0" })
      .optional()
      .meta({
        description: "A run still going after this is stopped (reason timeout) and counts as a failure",
      }),
    watch: globs("Restart when a file matching these globs (relative to cwd) changes"),
    watch_ignore: globs(
      "Changes to files matching these globs never restart (node_modules and .git never do)",
    ),
    watch_debounce: duration
      .default(300)
      .meta({ description: "Wait this long after the last change before restarting" }),
    environments: z
      .record(
        z.string().regex(NAME_PATTERN, "expected an environment name like production"),
        environmentSchema,
      )
      .default({})
      .meta({ description: "Keys that `tend up --env NAME` changes: env, env_file, instances, autostart" }),
    expand_env: z
      .boolean()
      .default(false)
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the syntax being described.
      .meta({ description: "Expand ${VAR}, ${VAR:-default} in command and env values; $$ is a literal $" }),
  })
  .superRefine(
    (p, ctx) => {
      for (const { path, message } of expandEnvIssues(p)) ctx.addIssue({ code: "custom", path, message });
    },
    // Also when other keys are wrong, so every error is reported at once.
    { when: () => true },
  )
  .superRefine(
    (p, ctx) => {
      for (const { path, message } of presetIssues(p)) ctx.addIssue({ code: "custom", path, message });
    },
    { when: () => true },
  )
  .superRefine((p, ctx) => {
    const tooMany = (n: number | undefined, path: string[]) => {
      if (n !== undefined && p.port !== undefined && p.port + n - 1 > 65_535)
        ctx.addIssue({
          code: "custom",
          path,
          message: `${n} copies from port ${p.port} would go past port 65535 (copy i listens on port + i)`,
        });
    };
    tooMany(p.instances, ["instances"]);
    for (const [name, e] of Object.entries(p.environments))
      tooMany(e.instances, ["environments", name, "instances"]);
  })
  // Keys that only make sense together: also said when other keys are wrong.
  .superRefine(
    (p, ctx) => {
      for (const { path, message } of combinationIssues(p as unknown))
        ctx.addIssue({ code: "custom", path, message });
    },
    { when: () => true },
  );

export const supervisorSchema = z
  .strictObject({
    socket: z.string().optional(),
    cgroups: z
      .enum(["auto", "off"], {
        error: 'expected "auto" (each run in a cgroup where the host allows) or "off"',
      })
      .default("auto")
      .meta({
        description: 'Each run in a cgroup v2 of its own where the host allows ("auto"), or never ("off")',
      }),
    state_dir: z.string().optional(),
    log_dir: z.string().optional(),
    socket_group: z.string().optional(),
    metrics_interval: duration.default(5000),
    metrics_listen: listenAddress("127.0.0.1:9464")
      .optional()
      .meta({ description: "Serve read-only /metrics over TCP on HOST:PORT" }),
    log_buffer_lines: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(1000)
      .meta({ description: "Recent lines kept in memory per process" }),
    run_retention: z.number().int().min(1).default(100).meta({ description: "Runs kept per process" }),
    event_retention: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .meta({ description: "Events kept in the store" }),
    event_max_age: duration
      .default(7 * 24 * 3600_000)
      .meta({ description: 'Events older than this are pruned (default "7d")' }),
    ...dashboardKeys,
  })
  .superRefine(dashboardIssues);

export const configSchema = z.strictObject({
  supervisor: supervisorSchema.default(supervisorSchema.parse({})),
  processes: z
    .record(
      z
        .string()
        .regex(NAME_PATTERN, { error: (issue) => nameProblem(String(issue.input)) ?? "invalid process name" })
        .refine((n) => nameProblem(n) === null, {
          error: (issue) => nameProblem(String(issue.input)) ?? "invalid process name",
        }),
      processSchema,
    )
    .default({}),
  alerts: z
    .array(alertSchema(duration))
    .default([])
    .meta({ description: "Rules that notify people of events" }),
});

export type RawProcess = z.input<typeof processSchema>;
export type ParsedProcess = z.output<typeof processSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

export function configJsonSchema(): unknown {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as unknown as {
    properties: { processes: { additionalProperties: Record<string, unknown> } };
  };
  // What the refinement says in words, for editors: a process has a command or a script.
  schema.properties.processes.additionalProperties.oneOf = [
    { required: ["command"] },
    { required: ["script"] },
  ];
  return schema;
}
