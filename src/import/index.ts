import type { Imported, SourceFormat } from "./imported.ts";
import { importProcfile } from "./procfile.ts";

// One foreign file, of a known format, as tend processes and notes.
export function importText(format: SourceFormat, file: string, text: string): Imported {
  switch (format) {
    case "procfile":
      return importProcfile(file, text);
    default:
      throw new Error(`${format} is not importable yet`);
  }
}
