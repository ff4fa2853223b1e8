import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../src/config/issues.ts";
import { loadConfig } from "../../src/config/load.ts";
import { tempDir } from "./temp.ts";

// Writes `text` as `name` in a fresh temp dir and loads it; returns the error it threw, if any.
export function loadText(name: string, text: string, env: Record<string, string | undefined> = {}) {
  using dir = tempDir();
  const file = join(dir.path, name);
  writeFileSync(file, text);
  try {
    return { file, dir: dir.path, config: loadConfig(file, env), error: null };
  } catch (error) {
    return { file, dir: dir.path, config: null, error };
  }
}

export function configError(error: unknown): ConfigError {
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

export const ENV = {
  TEND_SOCKET: "/srv/t/tend.sock",
  TEND_STATE_DIR: "/srv/t/state",
  TEND_LOG_DIR: "/srv/t/logs",
};

// Writes `text` as tend.toml in `dir`, and `files` beside it; returns the config's path.
export function writeConfig(dir: string, text: string, files: Record<string, string> = {}): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const file = join(dir, "tend.toml");
  writeFileSync(file, text);
  return file;
}
