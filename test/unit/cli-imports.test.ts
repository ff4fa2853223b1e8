import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO } from "../helpers/daemon.ts";

// The CLI talks to the supervisor only through the typed client (src/client/): no command builds
// a URL, calls fetch or opens the socket itself, and none reaches into the server's side (the
// API, the supervisor, the daemon). `tend up` and `tend check` run those in this process, so
// src/cli/commands/config.ts may load the daemon and the host checks, lazily.
const CLI = join(REPO, "src/cli");
const FORBIDDEN = ["src/api/", "src/supervisor/", "src/daemon/"];
const LAZY_EXCEPTIONS: Record<string, string[]> = {
  "src/cli/commands/config.ts": ["src/daemon/", "src/supervisor/host-check.ts"],
};
// The shapes of answers come from the client; src/domain holds the server's own types.
const DOMAIN_ALLOWED = ["src/domain/progress.ts"]; // parseProgress: a pure function

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

interface Import {
  target: string; // repo-relative, or the bare specifier
  lazy: boolean; // import("…")
}

function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  const add = (spec: string, lazy: boolean) =>
    found.push({
      target: spec.startsWith(".") ? relative(REPO, resolve(dirname(file), spec)) : spec,
      lazy,
    });
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm))
    add(m[1] as string, false);
  for (const m of text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) add(m[1] as string, false);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) add(m[1] as string, true);
  return found;
}

test("src/cli reaches the supervisor only through src/client", () => {
  const problems: string[] = [];
  const files = sources(CLI);
  for (const file of files) {
    const name = relative(REPO, file);
    const text = readFileSync(file, "utf8");
    for (const imp of importsOf(file, text)) {
      if (FORBIDDEN.some((f) => imp.target.startsWith(f))) {
        const allowed = imp.lazy && (LAZY_EXCEPTIONS[name] ?? []).some((p) => imp.target.startsWith(p));
        if (!allowed) problems.push(`${name} imports ${imp.target}${imp.lazy ? " (lazily)" : ""}`);
      }
      if (imp.target.startsWith("src/domain/") && !DOMAIN_ALLOWED.includes(imp.target))
        problems.push(`${name} imports ${imp.target}: take the answers' types from src/client`);
      if (imp.target === "node:http" || imp.target === "http") problems.push(`${name} imports ${imp.target}`);
    }
    if (/\bfetch\s*\(/.test(text)) problems.push(`${name} calls fetch(`);
    if (/\bunix\s*:/.test(text)) problems.push(`${name} opens a unix socket itself (unix:)`);
  }
  expect({ checked: files.length > 20, problems }).toEqual({ checked: true, problems: [] });
});

// The check itself: what it must catch, so that an empty list above means something.
test("the import check catches static, type, re-exported and lazy imports", () => {
  const file = join(CLI, "commands/x.ts");
  const text = [
    'import { a } from "../../api/app.ts";',
    'import type { B } from "../../domain/types.ts";',
    'export { c } from "../../supervisor/x.ts";',
    "import {\n  d,\n  e,\n} from '../../daemon/run.ts';",
    'const { f } = await import("../../daemon/up.ts");',
    'import "node:http";',
  ].join("\n");
  expect(importsOf(file, text)).toEqual([
    { target: "src/api/app.ts", lazy: false },
    { target: "src/domain/types.ts", lazy: false },
    { target: "src/supervisor/x.ts", lazy: false },
    { target: "src/daemon/run.ts", lazy: false },
    { target: "node:http", lazy: false },
    { target: "src/daemon/up.ts", lazy: true },
  ]);
});
