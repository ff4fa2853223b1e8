import type { MappingNotes } from "../config/mapping-notes.ts";

// An export that cannot be made: every reason at once, and nothing is written.
export class ExportError extends Error {
  constructor(
    target: string,
    readonly problems: string[],
  ) {
    super(`tend export ${target}: nothing written:\n${problems.map((p) => `  ${p}\n`).join("")}`.trimEnd());
    this.name = "ExportError";
  }
}

// One file of an export: a path relative to the output directory and its text.
export interface ExportFile {
  path: string;
  text: string;
  mode?: number; // 0o600 for files holding secrets
}

export interface ExportResult {
  files: ExportFile[];
  notes: MappingNotes;
}
