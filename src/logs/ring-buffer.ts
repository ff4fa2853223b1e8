import { ByteRing } from "./byte-ring.ts";
import type { LogLine, StreamName } from "./line-stream.ts";

// Output as it was read, not yet cut into lines: under a flood most of it is evicted before
// anyone reads it, so splitting and decoding it on arrival would be wasted work. Its bytes are
// in the ring's ByteRing, in the order of the entries.
interface RawChunk {
  stream: StreamName;
  at: number;
  length: number;
}

type Entry = RawChunk | LogLine;

const EVICTED: Entry = { stream: "stdout", at: 0, length: 0 };

// The recent output of one process, stdout and stderr together in the order it was read, so
// `tend logs -n` interleaves them as written without touching the disk. Keeps about `capacity`
// lines: whole lines count one each; raw chunks are kept while they total under
// capacity × 256 bytes (long lines mean fewer lines; the files have the rest). Raw bytes are
// copied into one buffer of the ring's own that grows to that size and is then reused, so a
// reader may hand over views of its own buffer, and a flood allocates nothing per chunk.
export class RingBuffer {
  private entries: Entry[] = [];
  private head = 0;
  private lineCount = 0;
  private rawBytes = 0;
  private readonly rawBudget: number;
  private readonly store: ByteRing;
  // Streams whose oldest kept bytes begin mid-line (the line's start was evicted): that
  // fragment is not shown as a line.
  private fragment: Record<StreamName, boolean> = { stdout: false, stderr: false };

  constructor(
    readonly capacity: number,
    private readonly process = "",
  ) {
    this.rawBudget = capacity * 256;
    this.store = new ByteRing(this.rawBudget);
  }

  push(line: LogLine): void {
    if (this.capacity === 0) return;
    this.entries.push(line);
    this.lineCount++;
    this.evict();
  }

  pushRaw(stream: StreamName, at: number, bytes: Uint8Array): void {
    if (this.capacity === 0 || bytes.length === 0) return;
    let keep = bytes;
    if (bytes.length > this.rawBudget) {
      // Larger than the whole budget: only its end, from the first line that starts there, in
      // place of everything.
      const from = bytes.indexOf(10, bytes.length - this.rawBudget - 1) + 1;
      const whole = from > 0 && from < bytes.length;
      keep = whole ? bytes.subarray(from) : bytes.subarray(bytes.length - this.rawBudget);
      this.forget();
      this.fragment[stream] = !whole;
    }
    while (this.rawBytes + keep.length > this.rawBudget) this.evictOldest();
    this.store.append(keep);
    this.entries.push({ stream, at, length: keep.length });
    this.rawBytes += keep.length;
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
    this.store.clear();
    this.forget();
  }

  // Drops every entry, keeping the store's memory for what comes next.
  private forget(): void {
    this.store.dropFront(this.store.size);
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
    )
      this.evictOldest();
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private evictOldest(): void {
    const e = this.entries[this.head] as Entry;
    this.entries[this.head++] = EVICTED;
    if ("length" in e) {
      if (e.length === 0) return;
      this.fragment[e.stream] = this.store.at(e.length - 1) !== 10;
      this.store.dropFront(e.length);
      this.rawBytes -= e.length;
    } else {
      this.lineCount--;
      this.fragment[e.stream] = false;
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
    let offset = 0; // of the next raw chunk's bytes in the store
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i] as Entry;
      if (!("length" in e)) {
        flush(e.stream);
        skip[e.stream] = false;
        out.push(e);
        continue;
      }
      const bytes = this.store.slice(offset, e.length);
      offset += e.length;
      const parts = decoder[e.stream].decode(bytes, { stream: true }).split("\n");
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
