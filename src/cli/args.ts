import { usageError } from "./cli-error.ts";

// A small, strict argv parser: every verb declares its flags; unknown flags are usage errors.
export interface FlagSpec {
  [flag: string]: { takes: "bool" | "value" | "list"; alias?: string };
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | string[]>;
  rest: string[]; // everything after `--`
}

export function parseArgs(verb: string, argv: string[], spec: FlagSpec): ParsedArgs {
  const byName = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    byName.set(`--${name}`, name);
    if (s.alias) byName.set(s.alias, name);
  }
  const out: ParsedArgs = { positionals: [], flags: {}, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(0, eq) : a;
    const name = byName.get(key);
    if (!name) throw usageError(`tend ${verb}: unknown option ${key}`, verb);
    const s = spec[name] as FlagSpec[string];
    if (s.takes === "bool") {
      if (eq > 0) throw usageError(`tend ${verb}: ${key} takes no value`, verb);
      out.flags[name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw usageError(`tend ${verb}: ${key} needs a value`, verb);
    if (s.takes === "list") out.flags[name] = [...((out.flags[name] as string[] | undefined) ?? []), value];
    else out.flags[name] = value;
  }
  return out;
}

export function str(a: ParsedArgs, flag: string): string | undefined {
  const v = a.flags[flag];
  return typeof v === "string" ? v : undefined;
}

export function bool(a: ParsedArgs, flag: string): boolean {
  return a.flags[flag] === true;
}

export function list(a: ParsedArgs, flag: string): string[] {
  const v = a.flags[flag];
  return Array.isArray(v) ? v : [];
}

// A duration given on the command line needs its unit: "--stop-timeout 5" reads like five
// seconds, but a bare number in the config means milliseconds, so the CLI refuses to guess.
export function durationFlag(flag: string, value: string, verb: string): string {
  if (/^\d+$/.test(value))
    throw usageError(`--${flag} ${value}: give a unit, like ${value}s or ${value}ms`, verb);
  return value;
}
