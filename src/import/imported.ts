import type { MappingNotes } from "../config/mapping-notes.ts";
import type { RawProcess } from "../config/schema.ts";

// What an import makes of a foreign file: the process tables of a tend config, as written in
// tend.toml, and what could not be carried over exactly.
export const SOURCE_FORMATS = ["procfile", "process-compose", "pm2", "supervisord"] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export interface Imported {
  format: SourceFormat;
  processes: Record<string, RawProcess>;
  notes: MappingNotes;
}

// A file that cannot be imported: every reason, naming the line where there is one.
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`tend import: ${file}: nothing imported:\n${problems.map((p) => `  ${p}\n`).join("")}`.trimEnd());
    this.name = "ImportError";
  }
}
