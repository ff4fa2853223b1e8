import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { MappingNotes } from "../config/mapping-notes.ts";
import { nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { ImportError, type Imported } from "./imported.ts";

// A Procfile as foreman reads it: `name: command` lines (name of letters, digits, "_" and "-"),
// every other line ignored; each command run through the shell; PORT = 5000 + 100 × the
// process's place in the file; `.env` beside the file read into the environment. Heroku's
// `release` runs once before the others, which wait for it to succeed.
const ENTRY = /^([A-Za-z0-9_-]+):\s*(.+)$/;
const BASE_PORT = 5000;

export function importProcfile(file: string, text: string): Imported {
  const notes = new MappingNotes();
  const dir = dirname(file);
  const entries: { name: string; command: string; line: number }[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/\r$/, "");
    const m = ENTRY.exec(line);
    if (!m) {
      if (line.trim() !== "" && !line.trimStart().startsWith("#"))
        notes.add("(file)", `line ${i + 1}`, `not a "name: command" line; ignored, as foreman does`);
      continue;
    }
    const [, name, command] = m as unknown as [string, string, string];
    const first = entries.find((e) => e.name === name);
    if (first) {
      notes.add(
        name,
        `line ${i + 1}`,
        `"${name}" again (first on line ${first.line}): this one is ignored, as foreman does`,
      );
      continue;
    }
    entries.push({ name, command: command.trim(), line: i + 1 });
  }
  if (entries.length === 0) throw new ImportError(file, ['no "name: command" line: is this a Procfile?']);
  const badNames = entries.flatMap((e) => {
    const problem = nameProblem(e.name);
    return problem ? [`line ${e.line}: ${problem}`] : [];
  });
  if (badNames.length) throw new ImportError(file, badNames);
  const envFile = join(dir, ".env");
  const hasEnv = existsSync(envFile);
  const release = entries.some((e) => e.name === "release");
  const processes: Record<string, RawProcess> = {};
  for (const [i, e] of entries.entries()) {
    const p: RawProcess = {
      command: e.command,
      cwd: dir,
      env: { PORT: String(BASE_PORT + 100 * i) },
      ...(hasEnv ? { env_file: envFile } : {}),
    };
    if (e.name === "release") p.restart = "never";
    else if (release) p.depends_on = { release: "succeeded" };
    processes[e.name] = p;
  }
  notes.add(
    "(file)",
    "exits",
    'foreman stops every process when one exits and restarts none; tend restarts one that fails (restart = "on-failure") and keeps the others',
  );
  return { format: "procfile", processes, notes };
}
