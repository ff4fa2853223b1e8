// The one mechanism by which anything inside the supervisor reads a process's output line by
// line: the `log` probe, progress_pattern, alert rules and `tend logs -f`. Output of a process
// nobody subscribes to is never split into lines, so it costs nothing.
//
// A line is the API's LogEntry (src/domain/shapes.ts): its text without the trailing newline,
// `at` when the supervisor read it.
export type { LogEntry as LogLine, LogStream as StreamName } from "../domain/shapes.ts";

import type { LogEntry as LogLine } from "../domain/shapes.ts";

export type LineListener = (line: LogLine) => void;

export class LineStream {
  // A listener that throws is dropped, so it cannot keep the line from the others, and reported.
  constructor(private readonly onDropped: (process: string, error: string) => void = () => {}) {}

  private dropped(process: string, err: unknown): void {
    this.onDropped(process, err instanceof Error ? err.message : String(err));
  }

  private readonly byProcess = new Map<string, Set<LineListener>>();
  private readonly everyProcess = new Set<LineListener>();

  subscribe(process: string, listener: LineListener): () => void {
    let set = this.byProcess.get(process);
    if (!set) {
      set = new Set();
      this.byProcess.set(process, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byProcess.get(process) === set) this.byProcess.delete(process);
    };
  }

  // Every line of every process, also of processes added later (`tend logs` with no name).
  subscribeAll(listener: LineListener): () => void {
    this.everyProcess.add(listener);
    return () => this.everyProcess.delete(listener);
  }

  hasSubscribers(process: string): boolean {
    return this.everyProcess.size > 0 || this.byProcess.has(process);
  }

  publish(line: LogLine): void {
    for (const l of this.everyProcess) {
      try {
        l(line);
      } catch (err) {
        this.everyProcess.delete(l);
        this.dropped(line.process, err);
      }
    }
    const set = this.byProcess.get(line.process);
    if (!set) return;
    for (const l of set) {
      try {
        l(line);
      } catch (err) {
        set.delete(l);
        this.dropped(line.process, err);
      }
    }
  }
}
