import type { LogLine, StreamName } from "./line-stream.ts";

// Output as it was read, not yet cut into lines: under a flood most of it is evicted before
// anyone reads it, so splitting and decoding it on arrival would be wasted work.
interface RawChunk {
  stream: StreamName;
  at: number;
  bytes: Uint8Array;
}

type Entry = RawChunk | LogLine;

const EVICTED: Entry = { stream: "stdout", at: 0, bytes: new Uint8Array(0) };

// The recent output of one process, stdout and stderr together in the order it was read, so
// `tend logs -n` interleaves them as written without touching the disk. Keeps about `capacity`
// lines: whole lines count one each; raw chunks are kept while they total under
// capacity × 256 bytes (long lines mean fewer lines; the files have the rest).
export class RingBuffer {
  private entries: Entry[] = [];
  private head = 0;
  private lineCount = 0;
  private rawBytes = 0;
  private readonly rawBudget: number;
  // Streams whose oldest kept bytes begin mid-line (the line's start was evicted): that
  // fragment is not shown as a line.
  private fragment: Record<StreamName, boolean> = { stdout: false, stderr: false };

  constructor(
    readonly capacity: number,
    private readonly process = "",
  ) {
    this.rawBudget = capacity * 256;
  }

  push(line: LogLine): void {
    if (this.capacity === 0) return;
    this.entries.push(line);
    this.lineCount++;
    this.evict();
  }

  pushRaw(stream: StreamName, at: number, bytes: Uint8Array): void {
    if (this.capacity === 0 || bytes.length === 0) return;
    this.entries.push({ stream, at, bytes });
    this.rawBytes += bytes.length;
    this.evict();
  }

  // The last n lines (of one stream, if given), oldest first.
  tail(n: number, stream?: StreamName): LogLine[] {
    const lines = this.materialize().filter((l) => !stream || l.stream === stream);
    return lines.slice(Math.max(0, lines.length - n));
  }

  get size(): number {
    return this.materialize().length;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.lineCount = 0;
    this.rawBytes = 0;
    this.fragment = { stdout: false, stderr: false };
  }

  private evict(): void {
    while (
      this.entries.length - this.head > 1 &&
      (this.lineCount > this.capacity || this.rawBytes > this.rawBudget)
    ) {
      const e = this.entries[this.head] as Entry;
      // Let go of it now, not at the next compaction: a chunk can be 256 KiB.
      this.entries[this.head++] = EVICTED;
      if ("bytes" in e) {
        this.rawBytes -= e.bytes.length;
        this.fragment[e.stream] = e.bytes[e.bytes.length - 1] !== 10;
      } else {
        this.lineCount--;
        this.fragment[e.stream] = false;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  // Lines in read order. A raw chunk's last line may continue in the next chunk of its stream;
  // one still unfinished at the end is shown as it is.
  private materialize(): LogLine[] {
    const out: LogLine[] = [];
    const carry: Record<StreamName, { text: string; at: number } | null> = { stdout: null, stderr: null };
    const skip = { ...this.fragment };
    const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    const flush = (s: StreamName) => {
      const c = carry[s];
      if (c) out.push({ process: this.process, stream: s, at: c.at, text: c.text });
      carry[s] = null;
    };
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i] as Entry;
      if (!("bytes" in e)) {
        flush(e.stream);
        skip[e.stream] = false;
        out.push(e);
        continue;
      }
      const parts = decoder[e.stream].decode(e.bytes, { stream: true }).split("\n");
      let k = 0;
      if (skip[e.stream]) {
        // Still inside the fragment, or at its end.
        if (parts.length === 1) continue;
        skip[e.stream] = false;
        k = 1;
      }
      const c = carry[e.stream];
      carry[e.stream] = null;
      for (; k < parts.length - 1; k++) {
        const first = k === 0 && c;
        out.push({
          process: this.process,
          stream: e.stream,
          at: first ? c.at : e.at,
          text: first ? c.text + (parts[k] as string) : (parts[k] as string),
        });
      }
      const last = parts[parts.length - 1] as string;
      if (parts.length === 1 && c) carry[e.stream] = { text: c.text + last, at: c.at };
      else if (last !== "") carry[e.stream] = { text: last, at: e.at };
    }
    flush("stdout");
    flush("stderr");
    return out.slice(Math.max(0, out.length - this.capacity));
  }
}
