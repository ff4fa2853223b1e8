import { expect } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { run } from "../../src/cli/run.ts";
import { loadConfig } from "../../src/config/load.ts";
import { recordingIo } from "./recording-io.ts";
import { tempDir } from "./temp.ts";

export async function cli(argv: string[], env: Record<string, string> = {}) {
  const io = recordingIo({ PATH: process.env.PATH, ...env });
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

// Writes the files in a temp dir (the first is the one imported), imports it into tend.toml,
// checks the result as `tend check --schema-only` does, and gives the tables written and the
// notes printed.
export async function importFiles(files: Record<string, string>, env: Record<string, string> = {}) {
  using dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir.path, name)), { recursive: true });
    writeFileSync(join(dir.path, name), text);
  }
  const source = join(dir.path, Object.keys(files)[0] as string);
  const out = join(dir.path, "tend.toml");
  const r = await cli(["import", source, "-o", out], env);
  expect({ code: r.code, error: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, error: "" });
  const check = await cli(["check", "--schema-only", "-c", out]);
  expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: "" });
  const processes = (
    Bun.TOML.parse(readFileSync(out, "utf8")) as { processes: Record<string, Record<string, unknown>> }
  ).processes;
  return { dir: dir.path, processes, notes: r.stderr, config: loadConfig(out) };
}

// An import that must be refused: exit 1, nothing written, each reason said.
export async function refusedImport(name: string, text: string, reasons: string[]) {
  using dir = tempDir();
  const file = join(dir.path, name);
  writeFileSync(file, text);
  const out = join(dir.path, "tend.toml");
  const r = await cli(["import", file, "-o", out]);
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
  for (const reason of reasons) expect(r.stderr).toContain(reason);
  expect(() => readFileSync(out)).toThrow();
}
