import type { Config } from "../config/load.ts";
import { MappingNotes } from "../config/mapping-notes.ts";
import type { ProcessSpec } from "../config/process-spec.ts";

// What both exports need to know of the config, found once.
export interface ExportContext<Options> {
  options: Options;
  notes: MappingNotes;
  problems: string[]; // reasons the export cannot be made: nothing is written
  byName: Map<string, ProcessSpec>;
  awaitedAsTask: Set<string>; // processes another waits for with completed/succeeded
}

export function exportContext<Options>(config: Config, options: Options): ExportContext<Options> {
  const awaited = config.processes.flatMap((p) =>
    p.dependsOn.filter((d) => d.condition === "completed" || d.condition === "succeeded").map((d) => d.name),
  );
  return {
    options,
    notes: new MappingNotes(),
    problems: [],
    byName: new Map(config.processes.map((p) => [p.name, p])),
    awaitedAsTask: new Set(awaited),
  };
}

// A one-shot task: it never restarts, or another process waits for it to end.
export function isTask(p: ProcessSpec, cx: ExportContext<unknown>): boolean {
  return p.restart === "never" || cx.awaitedAsTask.has(p.name);
}

// Whether the process's table names `key` (a default is carried over silently; a written key
// without a counterpart is noted). Processes added at run time have their body as raw.
export function written(p: ProcessSpec, key: string): boolean {
  return p.raw !== null && typeof p.raw === "object" && Object.hasOwn(p.raw, key);
}

// The keys of tend's own log files: the engines keep output their own way.
export const LOG_KEYS = [
  "log_max_size",
  "log_keep",
  "log_compress",
  "log_timestamps",
  "log_merge",
  "log_line_max",
];

// Two processes whose output would share a file ("a_b" and "a.b" both give a-b.yaml; "web"'s
// restart_schedule units and a process "web-restart"): refused rather than one overwriting.
export function pathProblems(files: { path: string }[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const f of files) {
    if (seen.has(f.path)) problems.push(`two processes would write ${f.path}; rename one of them`);
    seen.add(f.path);
  }
  return problems;
}
