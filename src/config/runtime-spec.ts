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
  return toProcessSpec(name, parsed.data, raw, null);
}
