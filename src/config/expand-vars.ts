// `${VAR}` expansion for processes with `expand_env = true`: `${NAME}` is the variable's value,
// `${NAME:-text}` the value or `text` when unset or empty, `$$` a literal `$`. Any other `$` is
// kept as written, so `$HOME` and `$1` pass through to a shell untouched.
type Part = { text: string } | { name: string; fallback: string | null };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Splits `text` into literal text and references; a malformed `${…}` is a problem, not text.
function parse(text: string): { parts: Part[]; problems: string[] } {
  const parts: Part[] = [];
  const problems: string[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c !== "$" || (next !== "$" && next !== "{")) {
      literal += c;
      i++;
      continue;
    }
    if (next === "$") {
      literal += "$";
      i += 2;
      continue;
    }
    const end = text.indexOf("}", i + 2);
    if (end === -1) {
      problems.push(`"${text.slice(i)}" has no closing "}" (write $$ for a literal $)`);
      break;
    }
    const body = text.slice(i + 2, end);
    const sep = body.indexOf(":-");
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) problems.push(`"\${${body}}" is not a variable name (write $$ for a literal $)`);
    if (literal) parts.push({ text: literal });
    literal = "";
    parts.push({ name, fallback: sep === -1 ? null : body.slice(sep + 2) });
    i = end + 1;
  }
  if (literal) parts.push({ text: literal });
  return { parts, problems };
}

export function referenceProblems(text: string): string[] {
  return parse(text).problems;
}

export class UnsetVariableError extends Error {
  constructor(readonly variable: string) {
    super(`\${${variable}} is not set (write \${${variable}:-} to allow empty)`);
    this.name = "UnsetVariableError";
  }
}

// Throws UnsetVariableError for a reference to an unset variable without a fallback: a command
// silently losing an argument is worse than a process that refuses to start and says why.
export function expandVars(text: string, lookup: (name: string) => string | undefined): string {
  const { parts, problems } = parse(text);
  if (problems.length) throw new Error(problems.join("; "));
  let out = "";
  for (const p of parts) {
    if ("text" in p) {
      out += p.text;
      continue;
    }
    const value = lookup(p.name);
    if (value !== undefined && (value !== "" || p.fallback === null)) out += value;
    else if (p.fallback !== null) out += p.fallback;
    else throw new UnsetVariableError(p.name);
  }
  return out;
}

// The malformed references of a process with expand_env on, by key path: checked at load time.
export function expandEnvIssues(input: unknown): { path: (string | number)[]; message: string }[] {
  // Also called on a table that failed other checks (even one that is not a table at all).
  if (input === null || typeof input !== "object") return [];
  const p = input as { expand_env?: unknown; command?: unknown; env?: unknown };
  if (p.expand_env !== true) return [];
  const out: { path: (string | number)[]; message: string }[] = [];
  const check = (path: (string | number)[], v: unknown) => {
    if (typeof v === "string") for (const message of referenceProblems(v)) out.push({ path, message });
  };
  if (Array.isArray(p.command)) for (const [i, a] of p.command.entries()) check(["command", i], a);
  else check(["command"], p.command);
  if (p.env && typeof p.env === "object")
    for (const [k, v] of Object.entries(p.env as Record<string, unknown>)) check(["env", k], v);
  return out;
}
