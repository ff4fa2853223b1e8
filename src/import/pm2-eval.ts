import { dirname, extname, resolve } from "node:path";
import { errorMessage } from "../errors.ts";
import { selfCommand } from "../self-command.ts";
import { ImportError } from "./imported.ts";

// Reading an ecosystem file: JSON, JSON5 and YAML are parsed; JavaScript is code, evaluated in a
// child tend process (EVAL_VERB) with a time limit, as the user running tend.

export const EVAL_VERB = "__eval-ecosystem";

const EVAL_TIMEOUT_MS = 10_000;

// The file's value: parsed, or for JavaScript, what a child tend printed after importing it.
export function readEcosystem(file: string, text: string, env: Record<string, string | undefined>): unknown {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === ".json") return JSON.parse(text);
    if (ext === ".json5") return Bun.JSON5.parse(text);
    if (ext === ".yml" || ext === ".yaml") return Bun.YAML.parse(text);
  } catch (err) {
    throw new ImportError(file, [errorMessage(err)]);
  }
  return evaluated(file, env);
}

function evaluated(file: string, env: Record<string, string | undefined>): unknown {
  const r = Bun.spawnSync([...selfCommand("/proc/self/exe").exec, EVAL_VERB, file], {
    cwd: dirname(file),
    env: env as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
    timeout: EVAL_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (r.signalCode === "SIGKILL" || r.exitedDueToTimeout)
    throw new ImportError(file, [
      `still running after ${EVAL_TIMEOUT_MS / 1000} s: stopped (is it waiting on something?)`,
    ]);
  let answer: { ok: true; value: unknown } | { ok: false; error: string };
  try {
    const line =
      r.stdout
        .toString()
        .split("\n")
        .find((l) => l.startsWith(ANSWER)) ?? "";
    answer = JSON.parse(line.slice(ANSWER.length));
  } catch {
    throw new ImportError(file, [
      `could not be evaluated: ${r.stderr.toString().trim() || `exit ${r.exitCode}`}`,
    ]);
  }
  if (!answer.ok) throw new ImportError(file, [answer.error]);
  return answer.value;
}

// The child's side: import the file, print its exports as JSON, or the error with its line.
export async function evaluateEcosystem(file: string): Promise<string> {
  try {
    const mod = (await import(resolve(file))) as { default?: unknown };
    const value = mod.default ?? mod;
    return `${ANSWER}${JSON.stringify({ ok: true, value })}`;
  } catch (err) {
    return `${ANSWER}${JSON.stringify({ ok: false, error: thrownAt(err, resolve(file)) })}`;
  }
}

// The answer's line starts with this: what the file itself prints (a dotenv banner, a
// console.log) goes to stdout too, and is not the answer.
const ANSWER = "\u0001tend-ecosystem ";

function thrownAt(err: unknown, file: string): string {
  const e = err as {
    message?: string;
    stack?: string;
    line?: number;
  };
  const message = e?.message ?? String(err);
  // A syntax error (Bun's BuildMessage) says where in `position`; a thrown Error in `line`.
  const position = (err as { position?: { line?: number } } | null)?.position;
  if (typeof position?.line === "number") return `line ${position.line}: ${message}`;
  if (typeof e?.line === "number") return `line ${e.line}: ${message}`;
  const frame = (e?.stack ?? "").split("\n").find((l) => l.includes(file));
  const m = frame ? /:(\d+):(\d+)\)?\s*$/.exec(frame) : null;
  return m ? `line ${m[1]}: ${message}` : message;
}
