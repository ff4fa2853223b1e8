import { TendError } from "../errors.ts";

// Process names become file names (logs) and URL segments, so they are kept to a safe alphabet.
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function nameProblem(name: string): string | null {
  if (!NAME_PATTERN.test(name) || name.includes("..")) {
    return `"${name}" is not a valid process name: use 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit`;
  }
  return null;
}

// A copy of a replicated process (instances = N) is NAME:i. ":" appears in replica names only:
// names written in a config or given to tend add still refuse it.
export function replicaName(of: string, index: number): string {
  return `${of}:${index}`;
}

export function parseReplicaName(name: string): { of: string; index: number } | null {
  const m = /^(.+):(0|[1-9]\d{0,3})$/.exec(name);
  if (!m || nameProblem(m[1] as string)) return null;
  return { of: m[1] as string, index: Number(m[2]) };
}

// A process name as a file name: a replica's ":" becomes "@" (web:1 → web@1.out.log), which no
// written name contains, so two processes never share a log file.
export function fileNameOf(name: string): string {
  return name.replace(":", "@");
}

// What a lookup of a process that does not exist answers: a bad name, or an unknown one.
export function processNotFound(name: string): TendError {
  const problem = parseReplicaName(name) ? null : nameProblem(name);
  if (problem) return new TendError("BAD_NAME", problem);
  return new TendError("PROCESS_NOT_FOUND", `no process named "${name}": see tend ps for the list`);
}
