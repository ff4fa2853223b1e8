import { readConfigText } from "../config/read-text.ts";
import { detectFormat } from "./detect.ts";
import { ImportError, type Imported, type SourceFormat } from "./imported.ts";
import { importText } from "./index.ts";

// A foreign file read and imported: its format given, or found from its name and content.
export function readForeign(
  file: string,
  format?: SourceFormat,
  text = readConfigText(file),
  env: Record<string, string | undefined> = process.env,
): Imported {
  const found = format ?? detectFormat(file, text);
  if (found === null)
    throw new ImportError(file, [
      "cannot tell its format from its name or content: give --from procfile|process-compose|pm2|supervisord",
    ]);
  return importText(found, file, text, env);
}
