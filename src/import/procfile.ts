import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { readEnvFile } from "../config/env-file.ts";
import { MappingNotes } from "../config/mapping-notes.ts";
import { nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { ImportError, type Imported } from "./imported.ts";

// A Procfile as foreman reads it: `name: command` lines (name of letters, digits, "_" and "-"),
// every other line ignored; each command run through the shell, with PS=NAME.1 and PORT = base
// + 100 × the entry's place in the file (base: PORT of the .env beside the file, else 5000);
// `.env` read into the environment; 5 s to stop. Heroku's `release` (its release phase) runs
// once before the others, which wait for it to succeed: foreman runs it as any other.
const ENTRY = /^([A-Za-z0-9_-]+):\s*(.+)$/;
const BASE_PORT = 5000;

export function importProcfile(file: string, text: string): Imported {
  const notes = new MappingNotes();
  const dir = dirname(file);
  const entries: { name: string; command: string; line: number; place: number }[] = [];
  let place = 0;
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
    place++;
    if (first) {
      notes.add(
        name,
        `line ${i + 1}`,
        `"${name}" again (first on line ${first.line}): foreman runs both; tend keeps the first`,
      );
      continue;
    }
    entries.push({ name, command: command.trim(), line: i + 1, place: place - 1 });
  }
  if (entries.length === 0) throw new ImportError(file, ['no "name: command" line: is this a Procfile?']);
  const badNames = entries.flatMap((e) => {
    const problem = nameProblem(e.name);
    return problem ? [`line ${e.line}: ${problem}`] : [];
  });
  if (badNames.length) throw new ImportError(file, badNames);
  const envFile = join(dir, ".env");
  const hasEnv = existsSync(envFile);
  const envPort = hasEnv ? Number(readEnvFile(envFile).PORT) : Number.NaN;
  const base = Number.isInteger(envPort) && envPort > 0 ? envPort : BASE_PORT;
  const release = entries.some((e) => e.name === "release");
  const processes: Record<string, RawProcess> = {};
  for (const e of entries) {
    const p: RawProcess = {
      command: e.command,
      cwd: dir,
      env: { PORT: String(base + 100 * e.place), PS: `${e.name}.1` },
      ...(hasEnv ? { env_file: envFile } : {}),
      stop_timeout: "5s",
    };
    if (e.name === "release") {
      p.restart = "never";
      notes.add(
        "release",
        "release",
        "Heroku's release phase: runs once, and the others wait for it to succeed",
      );
    } else if (release) p.depends_on = { release: "succeeded" };
    processes[e.name] = p;
  }
  notes.add(
    "(file)",
    "exits",
    'foreman stops every process when one exits and restarts none; tend restarts one that fails (restart = "on-failure") and keeps the others',
  );
  return { format: "procfile", processes, notes };
}
