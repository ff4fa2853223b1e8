import { readFileSync } from "node:fs";
import { errorMessage, TendError } from "../errors.ts";

// KEY=VALUE lines as systemd's EnvironmentFile and docker's --env-file read them: `#` comments,
// an optional `export `, single quotes taken literally, double quotes with \n \" \\ escapes.
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    env[m[1] as string] = unquote(m[2] as string);
  }
  return env;
}

function unquote(value: string): string {
  if (value.startsWith("'")) {
    const end = value.indexOf("'", 1);
    return end === -1 ? value.slice(1) : value.slice(1, end);
  }
  if (value.startsWith('"')) {
    let out = "";
    for (let i = 1; i < value.length; i++) {
      const c = value[i];
      if (c === '"') break;
      if (c === "\\" && i + 1 < value.length) {
        const n = value[++i];
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
      } else out += c;
    }
    return out;
  }
  const hash = value.search(/\s#/);
  return (hash === -1 ? value : value.slice(0, hash)).trim();
}

export function readEnvFile(path: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path, "utf8"));
  } catch (err) {
    throw new TendError("SPAWN_FAILED", `cannot read env_file ${path}: ${errorMessage(err)}`);
  }
}
