import { basename } from "node:path";
import type { SourceFormat } from "./imported.ts";

// The format of a foreign file from its name alone: what `tend up -c FILE` and `tend check`
// read as a foreign file (tend's own configs are .toml, .yaml, .yml and .json of other names).
export function formatFromName(file: string): SourceFormat | null {
  const name = basename(file).toLowerCase();
  if (name === "procfile" || name.startsWith("procfile.")) return "procfile";
  if (/^process-compose.*\.ya?ml$/.test(name)) return "process-compose";
  if (/^(ecosystem|pm2)[\w.-]*\.(c?js|mjs|json5?|ya?ml)$/.test(name) || /\.config\.(c?js|mjs)$/.test(name))
    return "pm2";
  if (/\.(conf|ini)$/.test(name)) return "supervisord";
  return null;
}

// From the name, else from what the file holds: for `tend import FILE` of any name.
export function detectFormat(file: string, text: string): SourceFormat | null {
  const byName = formatFromName(file);
  if (byName) return byName;
  if (/^\s*\[(program|group|include|supervisord):?[^\]]*\]/m.test(text)) return "supervisord";
  if (
    /^\s*(module\.exports|export default)\b/m.test(text) ||
    (/^\s*[{[]/.test(text) && /"apps"|\bapps\s*:/.test(text))
  )
    return "pm2";
  if (/^apps:\s*$/m.test(text)) return "pm2";
  if (/^processes:\s*$/m.test(text)) return "process-compose";
  if (/^[A-Za-z0-9_-]+:\s*\S/m.test(text) && !/^\s*[{[]/.test(text)) return "procfile";
  return null;
}
