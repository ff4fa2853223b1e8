import type { ProcessSpec } from "../config/process-spec.ts";

// Whether the process's table names `key` (a default is carried over silently; a written key
// without a counterpart is noted). Processes added at run time have their body as raw.
export function written(p: ProcessSpec, key: string): boolean {
  return p.raw !== null && typeof p.raw === "object" && Object.hasOwn(p.raw, key);
}
