import { TendError } from "../errors.ts";
import { issuesFromZod } from "./issues.ts";
import { nameProblem } from "./names.ts";
import { type ProcessSpec, toProcessSpec } from "./process-spec.ts";
import { processSchema } from "./schema.ts";

// A process added at run time (API or stored): the same checks as the config file, as a
// BAD_NAME or BAD_REQUEST error naming every problem.
export function runtimeProcessSpec(name: string, raw: unknown): ProcessSpec {
  const problem = nameProblem(name);
  if (problem) throw new TendError("BAD_NAME", problem);
  const parsed = processSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    const text = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new TendError("BAD_REQUEST", `invalid process "${name}": ${text}`, { issues });
  }
  // Environments are chosen for the config file by `tend up --env`; a run-time process is added
  // with what it runs with. A watch walks cwd, which the API has no default for but tend's own.
  const refused = [
    Object.keys(parsed.data.environments).length
      ? "environments: applies to the config file's processes (tend up --env); give env, env_file and instances directly"
      : null,
    parsed.data.watch.length && parsed.data.cwd === undefined
      ? "watch: needs cwd, the directory its globs are relative to"
      : null,
  ].filter((m) => m !== null);
  if (refused.length) throw new TendError("BAD_REQUEST", `invalid process "${name}": ${refused.join("; ")}`);
  return toProcessSpec(name, parsed.data, raw, null);
}
