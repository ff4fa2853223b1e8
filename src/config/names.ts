import { TendError } from "../errors.ts";

// Process names become file names (logs) and URL segments, so they are kept to a safe alphabet.
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function nameProblem(name: string): string | null {
  if (!NAME_PATTERN.test(name) || name.includes("..")) {
    return `"${name}" is not a valid process name: use 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit`;
  }
  return null;
}

// What a lookup of a process that does not exist answers: a bad name, or an unknown one.
export function processNotFound(name: string): TendError {
  const problem = nameProblem(name);
  if (problem) return new TendError("BAD_NAME", problem);
  return new TendError("PROCESS_NOT_FOUND", `no process named "${name}": see tend ps for the list`);
}
