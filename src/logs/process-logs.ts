import { join } from "node:path";
import { fileNameOf } from "../config/names.ts";
import type { OutputPipe } from "../proc/output-pipe.ts";
import type { LineStream, LogLine, StreamName } from "./line-stream.ts";
import { RingBuffer } from "./ring-buffer.ts";
import { RotatingFile } from "./rotating-file.ts";
import { StreamCapture } from "./stream-capture.ts";
import { tailOnDisk } from "./tail-files.ts";

export interface LogSettings {
  maxBytes: number;
  keep: number;
  compress: boolean;
  timestamps: boolean;
  merge: boolean;
  lineMaxBytes: number;
}

export interface ProcessLogsOptions {
  name: string;
  dir: string;
  settings: LogSettings;
  ringLines: number;
  ring?: RingBuffer; // the recent lines of the process so far, when its settings changed
  lines: LineStream;
  now: () => number;
  onDropped: (name: string, lines: number) => void;
  onRotationFailed?: (name: string, path: string, error: string) => void;
}

// Everything tend keeps of one process's output, across its restarts: the files (NAME.out.log
// and NAME.err.log, or NAME.log when merged), the ring of recent lines, and the live captures.
export class ProcessLogs {
  readonly ring: RingBuffer;
  readonly files: Record<StreamName, RotatingFile>;
  droppedLines = 0;
  private capturing = 0;
  private retired = false;

  get settings(): LogSettings {
    return this.o.settings;
  }

  constructor(private readonly o: ProcessLogsOptions) {
    this.ring = o.ring ?? new RingBuffer(o.ringLines, o.name);
    const policy = { maxBytes: o.settings.maxBytes, keep: o.settings.keep, compress: o.settings.compress };
    const file = (base: string) => {
      const path = join(o.dir, base);
      return new RotatingFile(path, policy, (error) => o.onRotationFailed?.(o.name, path, error));
    };
    if (o.settings.merge) {
      const merged = file(`${fileNameOf(o.name)}.log`);
      this.files = { stdout: merged, stderr: merged };
    } else {
      this.files = {
        stdout: file(`${fileNameOf(o.name)}.out.log`),
        stderr: file(`${fileNameOf(o.name)}.err.log`),
      };
    }
  }

  // Reads one stream of a run to its end. Never throws: a broken pipe ends the capture, with the
  // line in progress closed.
  async capture(stream: StreamName, source: OutputPipe): Promise<void> {
    this.capturing++;
    try {
      await this.captureUntilEnd(stream, source);
    } finally {
      this.capturing--;
      if (this.retired && this.capturing === 0) this.close();
    }
  }

  // Replaced by logs with other settings: closed once the captures still writing here end.
  retire(): void {
    this.retired = true;
    if (this.capturing === 0) this.close();
  }

  private async captureUntilEnd(stream: StreamName, source: OutputPipe): Promise<void> {
    const cap = new StreamCapture({
      process: this.o.name,
      stream,
      file: this.files[stream],
      ring: this.ring,
      lines: this.o.lines,
      timestamps: this.o.settings.timestamps,
      wholeLines: this.o.settings.merge,
      lineMaxBytes: this.o.settings.lineMaxBytes,
      partialFlushMs: 250,
      now: this.o.now,
      onDropped: (n) => {
        this.droppedLines += n;
        this.o.onDropped(this.o.name, n);
      },
    });
    await source.read((chunk) => {
      try {
        cap.write(chunk);
      } catch {
        // A chunk that could not be handled is lost; the pipe is still read to its end.
      }
    });
    cap.end();
  }

  // The last n lines, stdout and stderr interleaved as read. The ring answers when it holds
  // enough; otherwise (after a restart of the supervisor, or for more than it keeps) the files
  // add the older lines in front of the ring's.
  tail(n: number, stream?: StreamName): LogLine[] {
    const fromRing = this.stamped(this.ring.tail(n, stream));
    if (fromRing.length >= n) return fromRing;
    const paths = { stdout: this.files.stdout.path, stderr: this.files.stderr.path };
    const inRing = (path: string) =>
      fromRing.filter((l) => paths.stdout === paths.stderr || paths[l.stream] === path).length;
    const older = tailOnDisk(this.o.name, paths, n - fromRing.length, stream, inRing);
    return [...older, ...fromRing];
  }

  // The lines kept in memory, each with the time it was read (`tend logs --since`).
  recent(stream?: StreamName): LogLine[] {
    return this.stamped(this.ring.tail(Number.MAX_SAFE_INTEGER, stream));
  }

  // With log_timestamps the lines on disk carry their time; those from memory get it the same
  // way, so a tail that joins both reads as one.
  private stamped(lines: LogLine[]): LogLine[] {
    if (!this.o.settings.timestamps) return lines;
    return lines.map((l) => ({ ...l, text: `${new Date(l.at).toISOString()} ${l.text}` }));
  }

  // Resolves once rotated files waiting for gzip are compressed.
  async settled(): Promise<void> {
    await Promise.all([this.files.stdout.settled(), this.files.stderr.settled()]);
  }

  clear(): void {
    this.ring.clear();
    this.files.stdout.clear();
    if (this.files.stderr !== this.files.stdout) this.files.stderr.clear();
  }

  close(): void {
    this.files.stdout.close();
    this.files.stderr.close();
  }
}
