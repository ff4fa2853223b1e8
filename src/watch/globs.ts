import { isAbsolute } from "node:path";

// The globs of `watch` and `watch_ignore` (Bun.Glob syntax, relative to cwd or absolute): where
// a walk for each starts and how deep it must go.

export const GLOB_META = /[*?[\]{}!\\]/;

export function normalizePattern(pattern: string): string {
  let p = pattern;
  while (p.startsWith("./")) p = p.slice(2);
  return p;
}

function segmentsOf(pattern: string): string[] {
  return normalizePattern(pattern)
    .split("/")
    .filter((s) => s !== "" && s !== ".");
}

// The directory a walk for `pattern` starts from: its leading segments up to the first one with
// a glob character, or the directory of a literal path. "" is cwd.
//   src/**/*.ts → src   *.js → ""   src/app.ts → src   /etc/x/*.conf → /etc/x
export function staticPrefix(pattern: string): string {
  const segments = segmentsOf(pattern);
  const dynamic = segments.findIndex((s) => GLOB_META.test(s));
  const prefix = segments.slice(0, dynamic === -1 ? segments.length - 1 : dynamic).join("/");
  return pattern.startsWith("/") ? `/${prefix}` : prefix;
}

// How many directory levels below the static prefix a pattern can reach: `*.js` 0, `src/*/x.ts`
// 1 below src, anything with ** (or braces, which may hold a "/") unbounded.
export function reachOf(pattern: string): number {
  const segments = segmentsOf(pattern);
  const dynamic = segments.findIndex((s) => GLOB_META.test(s));
  if (dynamic === -1) return 0;
  const rest = segments.slice(dynamic);
  if (rest.some((s) => s.includes("**") || s.includes("{"))) return Number.POSITIVE_INFINITY;
  return rest.length - 1;
}

export interface Glob {
  glob: Bun.Glob;
  absolute: boolean;
}

export function compile(patterns: string[]): Glob[] {
  return patterns.map((p) => ({ glob: new Bun.Glob(normalizePattern(p)), absolute: isAbsolute(p) }));
}

export function matchesAny(globs: Glob[], abs: string, rel: string, suffix = ""): boolean {
  return globs.some((g) => g.glob.match((g.absolute ? abs : rel) + suffix));
}
