import { z } from "zod";
import { cronProblem } from "./schedule-expression.ts";

// Pieces of the process schema (schema.ts) for the keys of copies, schedules, watches and
// environments, and the checks of keys that only make sense together.

const COPIES = "expected a whole number of copies from 1 to 1000";

export const instances = z
  .number({ error: COPIES })
  .int({ error: COPIES })
  .min(1, { error: COPIES })
  .max(1000, { error: COPIES });

export const cron = (description: string) =>
  z
    .string()
    .superRefine((text, ctx) => {
      const problem = cronProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .meta({ description });

export const globs = (description: string) =>
  z
    .array(z.string().min(1, "a glob must not be empty"), {
      error: 'expected a list of globs like ["src/**/*.ts"]',
    })
    .default([])
    .meta({ description });

export const envTable = z.record(
  z.string(),
  z
    .union([z.string(), z.number(), z.boolean()], { error: "expected a string, a number or a boolean" })
    .transform(String),
);

// What `tend up --env NAME` changes of a process: [processes.NAME.environments.NAME].
export const environmentSchema = z.strictObject({
  env: envTable.optional().meta({ description: "Merged over the process's env" }),
  env_file: z.string().optional().meta({ description: "Read instead of the process's env_file" }),
  instances: instances.optional(),
  autostart: z.boolean().optional(),
});

export function combinationIssues(value: unknown): { path: string[]; message: string }[] {
  if (typeof value !== "object" || value === null) return [];
  const p = value as Record<string, unknown>;
  const issues: { path: string[]; message: string }[] = [];
  const has = (k: string) => p[k] !== undefined;
  const add = (key: string, message: string) => issues.push({ path: [key], message });
  if (!has("command") && !has("script"))
    add(
      "command",
      'expected a command (["bun", "server.ts"] or a shell line) or a script of package.json (script = "start")',
    );
  if (has("command") && has("script")) add("script", "command and script both say what to run: keep one");
  if (has("timezone") && !has("schedule") && !has("restart_schedule"))
    add("timezone", "timezone applies to schedule and restart_schedule: add one, or remove timezone");
  if (has("schedule") && has("restart_schedule"))
    add(
      "restart_schedule",
      "schedule starts a task, restart_schedule restarts a service: a process has one or the other",
    );
  if (has("pid_file") && p.type !== "forking")
    add(
      "pid_file",
      'pid_file names the main process of a forking service: add type = "forking", or remove it',
    );
  return issues;
}
