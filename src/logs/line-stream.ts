// The one mechanism by which anything inside the supervisor reads a process's output line by
// line: the `log` probe, progress_pattern, alert rules and `tend logs -f`. Output of a process
// nobody subscribes to is never split into lines, so it costs nothing.
export type StreamName = "stdout" | "stderr";

export interface LogLine {
  process: string;
  stream: StreamName;
  at: number; // epoch ms when the supervisor read it
  text: string; // without the trailing newline
}

export type LineListener = (line: LogLine) => void;

export class LineStream {
  private readonly byProcess = new Map<string, Set<LineListener>>();

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

  hasSubscribers(process: string): boolean {
    return this.byProcess.has(process);
  }

  publish(line: LogLine): void {
    const set = this.byProcess.get(line.process);
    if (!set) return;
    for (const l of set) {
      try {
        l(line);
      } catch {
        set.delete(l);
      }
    }
  }
}
