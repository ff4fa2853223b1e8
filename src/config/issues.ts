import type { z } from "zod";
import type { Issue as ConfigIssue } from "../domain/shapes.ts";
import { TendError } from "../errors.ts";

// Every problem in a config, with where it is and what was expected. Collected, never thrown one by one.
export type { ConfigIssue };

export function issuesFromZod(error: z.ZodError, prefix: (string | number)[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: formatPath([...base, key]), message: "unknown key" });
    } else if (issue.code === "invalid_key") {
      out.push({ path: formatPath(base), message: issue.issues[0]?.message ?? issue.message });
    } else {
      out.push({ path: formatPath(base), message: issue.message });
    }
  }
  return out;
}

export function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((p, i) =>
      typeof p === "number" ? `[${p}]` : /^[A-Za-z0-9_-]+$/.test(p) ? (i ? `.${p}` : p) : `["${p}"]`,
    )
    .join("");
}

export class ConfigError extends TendError {
  readonly file: string;
  readonly issues: ConfigIssue[];

  constructor(file: string, issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
    super("CONFIG_INVALID", `${file}: ${issues.length} error(s)\n${lines.join("\n")}`, { file, issues });
    this.file = file;
    this.issues = issues;
  }
}
