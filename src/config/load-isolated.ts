import { resolve } from "node:path";
import type { AlertRule } from "../alerts/alert-rule.ts";
import { spawnedPids } from "../proc/spawn.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import type { Config } from "./load.ts";

// The supervisor reads its config through a short-lived `tend __load-config FILE`: zod and the
// schemas (several MiB once loaded, and never unloaded) run in that child, which prints the
// checked config as JSON and exits; the supervisor keeps only the result. Errors come back as
// the same ConfigError a local load throws.
export const LOAD_CONFIG_VERB = "__load-config";

type Answer = { ok: true; config: Config } | { ok: false; file: string; issues: ConfigIssue[] };

// The checked config as one JSON line: the alerts' patterns as their source text.
export function configToJson(config: Config): string {
  return JSON.stringify({ ok: true, config }, (_key, value) =>
    value instanceof RegExp ? value.source : value,
  );
}

export function configErrorToJson(err: ConfigError): string {
  return JSON.stringify({ ok: false, file: err.file, issues: err.issues });
}

export async function loadConfigIsolated(
  path: string,
  env: Record<string, string | undefined> = process.env,
): Promise<Config> {
  const file = resolve(path);
  const child = Bun.spawn([...tendCommand(), LOAD_CONFIG_VERB, file], {
    env: env as Record<string, string>,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Its exit status is Bun's to collect, not the orphan reaper's.
  spawnedPids.add(child.pid);
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited.finally(() => spawnedPids.delete(child.pid)),
  ]);
  let answer: Answer;
  try {
    answer = JSON.parse(out) as Answer;
  } catch {
    throw new Error(`reading ${file} failed (exit ${code}): ${err.trim() || out.trim() || "no output"}`);
  }
  if (!answer.ok) throw new ConfigError(answer.file, answer.issues);
  const config = answer.config;
  const alerts = config.alerts as (Omit<AlertRule, "pattern"> & { pattern: string | null })[];
  return {
    ...config,
    alerts: alerts.map((a) => ({ ...a, pattern: a.pattern === null ? null : new RegExp(a.pattern) })),
  };
}

// This very tend: the compiled binary, or Bun running src/main.ts from sources.
function tendCommand(): string[] {
  return import.meta.path.startsWith("/$bunfs/")
    ? [process.execPath]
    : [process.execPath, resolve(import.meta.dir, "../main.ts")];
}
