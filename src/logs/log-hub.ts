import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileNameOf } from "../config/names.ts";
import type { LineListener, LogLine, StreamName } from "./line-stream.ts";
import { LineStream } from "./line-stream.ts";
import { type LogSettings, ProcessLogs } from "./process-logs.ts";
import { tailOnDisk } from "./tail-files.ts";

export interface LogHubOptions {
  dir: string;
  ringLines: number;
  now?: () => number;
  onDropped?: (name: string, lines: number) => void;
  onRotationFailed?: (name: string, path: string, error: string) => void;
  // A line subscriber (a probe, an alert rule, a follower) threw and was dropped.
  onSubscriberFailed?: (name: string, error: string) => void;
}

// All processes' logs. Owns the LineStream every line subscriber (probes, progress, alerts,
// `tend logs -f`) goes through.
export class LogHub {
  readonly lines: LineStream;
  private readonly byName = new Map<string, ProcessLogs>();

  constructor(private readonly o: LogHubOptions) {
    this.lines = new LineStream(o.onSubscriberFailed);
  }

  // The logs of a process, created on first use. A run asks with its own spec's settings: when
  // a reload changed them (merge, sizes, timestamps) the next run writes by the new ones, into
  // the files they name, and keeps the recent lines of the runs before.
  for(name: string, settings: LogSettings): ProcessLogs {
    const known = this.byName.get(name);
    if (known && sameSettings(known.settings, settings)) return known;
    known?.retire();
    const logs = new ProcessLogs({
      name,
      dir: this.o.dir,
      settings,
      ringLines: this.o.ringLines,
      ring: known?.ring,
      lines: this.lines,
      now: this.o.now ?? Date.now,
      onDropped: this.o.onDropped ?? (() => {}),
      onRotationFailed: this.o.onRotationFailed,
    });
    this.byName.set(name, logs);
    return logs;
  }

  get(name: string): ProcessLogs | undefined {
    return this.byName.get(name);
  }

  tail(name: string, n: number, stream?: StreamName): LogLine[] {
    const logs = this.byName.get(name);
    if (logs) return logs.tail(n, stream);
    // Not run since this supervisor started: the files of earlier runs answer.
    const merged = join(this.o.dir, `${fileNameOf(name)}.log`);
    const out = join(this.o.dir, `${fileNameOf(name)}.out.log`);
    const paths =
      existsSync(merged) && !existsSync(out)
        ? { stdout: merged, stderr: merged }
        : { stdout: out, stderr: join(this.o.dir, `${fileNameOf(name)}.err.log`) };
    return tailOnDisk(name, paths, n, stream);
  }

  // What is kept in memory of a process's lines: the ones with the time they were read.
  recent(name: string, stream?: StreamName): LogLine[] {
    return this.byName.get(name)?.recent(stream) ?? [];
  }

  follow(name: string, listener: LineListener, stream?: StreamName): () => void {
    return this.lines.subscribe(name, stream ? (l) => l.stream === stream && listener(l) : listener);
  }

  // Forgets a process whose settings changed or that was removed; its files stay on disk.
  drop(name: string): void {
    this.byName.get(name)?.close();
    this.byName.delete(name);
  }

  close(): void {
    for (const logs of this.byName.values()) logs.close();
    this.byName.clear();
  }
}

function sameSettings(a: LogSettings, b: LogSettings): boolean {
  return (Object.keys(a) as (keyof LogSettings)[]).every((k) => a[k] === b[k]);
}
