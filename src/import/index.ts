import type { Imported, SourceFormat } from "./imported.ts";
import { importPm2 } from "./pm2.ts";
import { importProcessCompose } from "./process-compose.ts";
import { importProcfile } from "./procfile.ts";
import { importSupervisord } from "./supervisord.ts";

// One foreign file, of a known format, as tend processes and notes. `env`: what %(ENV_X)s and
// the like are read against where a format reads them at load.
export function importText(
  format: SourceFormat,
  file: string,
  text: string,
  env: Record<string, string | undefined> = process.env,
): Imported {
  switch (format) {
    case "procfile":
      return importProcfile(file, text);
    case "process-compose":
      return importProcessCompose(file, text);
    case "supervisord":
      return importSupervisord(file, text, env);
    case "pm2":
      return importPm2(file, text, env);
  }
}
