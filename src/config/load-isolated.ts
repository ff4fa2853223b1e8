import { resolve } from "node:path";
import type { AlertRule } from "../alerts/alert-rule.ts";
import { errorMessage } from "../errors.ts";
import { spawnedPids } from "../proc/spawn.ts";
import { selfCommand } from "../self-command.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import type { Config } from "./load.ts";
import { readConfigText } from "./read-text.ts";

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

// How long the check may take before it is given up (a stuck child must not hold every later
// reload behind it).
const CHECK_TIMEOUT_MS = 30_000;

// `given`: the file's text when it is not to be read (an empty supervisor's: "").
export async function loadConfigIsolated(
  path: string,
  env: Record<string, string | undefined> = process.env,
  environment: string | null = null,
  given?: string,
): Promise<Config> {
  const file = resolve(path);
  // Read here, sent on the child's stdin: /dev/stdin, a FIFO or <(…) as the config still work.
  const text = given ?? readConfigText(file);
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn(
      [...selfCommand("/proc/self/exe").exec, LOAD_CONFIG_VERB, file, ...(environment ? [environment] : [])],
      {
        env: env as Record<string, string>,
        stdio: [new TextEncoder().encode(text), "pipe", "pipe"],
      },
    );
  } catch (err) {
    throw new Error(`checking ${file}: cannot start the check (${errorMessage(err)})`);
  }
  // Its exit status is Bun's to collect, not the orphan reaper's.
  spawnedPids.add(child.pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, CHECK_TIMEOUT_MS);
  const [out, err, code] = await Promise.all([
    new Response(child.stdout as ReadableStream<Uint8Array>).text(),
    new Response(child.stderr as ReadableStream<Uint8Array>).text(),
    child.exited.finally(() => {
      clearTimeout(timer);
      spawnedPids.delete(child.pid);
    }),
  ]);
  if (timedOut) throw new Error(`checking ${file} took over ${CHECK_TIMEOUT_MS / 1000} s and was stopped`);
  let answer: Answer;
  try {
    answer = JSON.parse(out) as Answer;
  } catch {
    throw new Error(`checking ${file} failed (exit ${code}): ${err.trim() || out.trim() || "no output"}`);
  }
  if (!answer.ok) throw new ConfigError(answer.file, answer.issues);
  const config = answer.config;
  const alerts = config.alerts as (Omit<AlertRule, "pattern"> & { pattern: string | null })[];
  return {
    ...config,
    alerts: alerts.map((a) => ({ ...a, pattern: a.pattern === null ? null : new RegExp(a.pattern) })),
  };
}
