import { readEnvFile } from "../config/env-file.ts";
import { expandVars, UnsetVariableError } from "../config/expand-vars.ts";
import { resolveScript } from "../config/package-script.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { spawnedArgv } from "../config/shell-line.ts";
import { TendError } from "../errors.ts";

// A child's argv and environment, in increasing precedence: the supervisor's environment, the
// account's HOME/USER/LOGNAME, env_file, env, then tend's markers (which nothing overrides).
// With expand_env, each env value sees everything before it (earlier env entries included) and
// the argv sees the final environment. With `script`, package.json is read at each start: the
// argv is its script's command line and the package manager's variables come after env (PATH
// with node_modules/.bin before the final PATH); `cwd` is then the package's directory. A
// `/bin/sh -c` line that is one plain command is exec'd (shell-line.ts).
export function childCommand(
  spec: Pick<ProcessSpec, "name" | "argv" | "env" | "envFile" | "expandEnv"> &
    Partial<Pick<ProcessSpec, "script" | "cwd">>,
  base: Record<string, string | undefined>,
  account: Record<string, string>,
  markers: Record<string, string>,
): { argv: string[]; env: Record<string, string>; cwd: string | null } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  Object.assign(env, account);
  if (spec.envFile) Object.assign(env, readEnvFile(spec.envFile));
  const lookup = (name: string) => markers[name] ?? env[name];
  const expand = (text: string, key: string) => {
    if (!spec.expandEnv) return text;
    try {
      return expandVars(text, lookup);
    } catch (err) {
      const why = err instanceof UnsetVariableError ? err.message : String((err as Error).message);
      throw new TendError("SPAWN_FAILED", `processes.${spec.name}.${key}: ${why}`);
    }
  };
  for (const [k, v] of Object.entries(spec.env)) env[k] = expand(v, `env.${k}`);
  if (spec.script) {
    let script: ReturnType<typeof resolveScript>;
    try {
      script = resolveScript(spec.cwd ?? process.cwd(), spec.script, env);
    } catch (err) {
      throw new TendError("SPAWN_FAILED", `processes.${spec.name}.script: ${(err as Error).message}`);
    }
    Object.assign(env, script.env, markers);
    return { argv: spawnedArgv(script.argv), env, cwd: script.cwd };
  }
  Object.assign(env, markers);
  return { argv: spawnedArgv(spec.argv.map((a) => expand(a, "command"))), env, cwd: null };
}
