#!/usr/bin/env bun
// Builds the package's library face into dist/lib (run by `npm pack` through prepack):
//   dist/lib/client/index.js   tend/client: the typed client, for Bun and Node.js 20+
//   dist/lib/library/index.js  tend: startSupervisor(), and the client
// with their .d.ts beside them. What runs imports nothing but node: built-ins (checked here), and
// the types need nothing installed (no zod): they are the generated src/api/surface.gen.ts.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OUT = join(ROOT, "dist/lib");

rmSync(OUT, { recursive: true, force: true });
const built = await Bun.build({
  entrypoints: [join(ROOT, "src/client/index.ts"), join(ROOT, "src/library/index.ts")],
  root: join(ROOT, "src"),
  outdir: OUT,
  target: "node",
  format: "esm",
  splitting: true,
  metafile: true,
});
if (!built.success) {
  console.error(built.logs.join("\n"));
  process.exit(1);
}
const outside = Object.values(built.metafile?.inputs ?? {})
  .flatMap((i) => i.imports)
  .filter((i) => i.external && !i.path.startsWith("node:"))
  .map((i) => i.path);
const bundled = Object.keys(built.metafile?.inputs ?? {}).filter((p) => p.includes("node_modules/"));
if (outside.length || bundled.length) {
  console.error(
    `the library must import only node: built-ins; it imports ${[...outside, ...bundled].join(", ")}`,
  );
  process.exit(1);
}
const tsc = Bun.spawnSync([join(ROOT, "node_modules/.bin/tsc"), "-p", join(ROOT, "tsconfig.lib.json")], {
  stdout: "inherit",
  stderr: "inherit",
});
if (tsc.exitCode !== 0) process.exit(1);
// The declarations the two entry points reach, with .js specifiers as published types have;
// the others (tsc writes one per source file it read) are removed. None may need zod.
const reached = new Set<string>();
const visit = (file: string) => {
  if (reached.has(file)) return;
  reached.add(file);
  const text = readFileSync(file, "utf8").replace(/(from\s+["'][^"']+)\.ts(["'])/g, "$1.js$2");
  writeFileSync(file, text);
  for (const m of text.matchAll(/from\s+["'](\.[^"']+)\.js["']/g)) visit(join(dirname(file), `${m[1]}.d.ts`));
  if (/from\s+["']zod/.test(text)) {
    console.error(`${file} needs zod: the published types must not`);
    process.exit(1);
  }
};
visit(join(OUT, "client/index.d.ts"));
visit(join(OUT, "library/index.d.ts"));
for (const f of new Bun.Glob("**/*.d.ts").scanSync(OUT)) if (!reached.has(join(OUT, f))) rmSync(join(OUT, f));
console.log(`built ${OUT}: ${built.outputs.map((o) => o.path.slice(OUT.length + 1)).join(", ")}`);
