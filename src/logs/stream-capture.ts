import { concat, countNewlines, cutLines, EMPTY, hasLongLine, NL, withPrefixes } from "./line-batch.ts";
import type { LineStream, StreamName } from "./line-stream.ts";
import type { RingBuffer } from "./ring-buffer.ts";
import type { RotatingFile } from "./rotating-file.ts";

export interface CaptureOptions {
  process: string;
  stream: StreamName;
  file: RotatingFile;
  ring: RingBuffer;
  lines: LineStream;
  timestamps: boolean;
  // Hold an unfinished line until it ends, even with nobody subscribed: set when stdout and
  // stderr share a file, so neither tears the other's lines.
  wholeLines: boolean;
  lineMaxBytes: number;
  partialFlushMs: number;
  now: () => number; // epoch ms
  onDropped: (lines: number) => void;
}

const NEWLINE = new Uint8Array([NL]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// One output stream of one process on its way to disk, memory and subscribers. The common case
// (no timestamps, own file, no subscriber, no overlong line) writes each chunk through as it
// came and hands it to the ring undecoded. Otherwise a chunk's complete lines go out together
// (one write; one decode, only for subscribers) and an unfinished last line is held until it
// ends, grows past lineMaxBytes, or has waited partialFlushMs. Either way the ring gets the bytes
// as written, without timestamps, and decodes them only when read.
export class StreamCapture {
  // The current line: its bytes that subscribers have not had yet (copies: a reader may reuse a
  // chunk's memory), the last `held` of which are not on disk either.
  private unpublished: Uint8Array[] = [];
  private held = 0;
  private lineLen = 0; // bytes of the current line so far, on disk or held
  private lineOnDisk = false; // its start is on disk: no new timestamp, and the end must close it
  private lineFlushed = false; // part of it went to subscribers already
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private stampAt = Number.NaN;
  private stamp = EMPTY;
  // For subscribers: the unpublished part of a line may end inside a character.
  private readonly decoder = new TextDecoder();

  constructor(private readonly o: CaptureOptions) {}

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const subscribed = this.o.lines.hasSubscribers(this.o.process);
    const plain = !this.o.timestamps && !this.o.wholeLines && !subscribed;
    if (plain && !hasLongLine(chunk, this.lineLen, this.o.lineMaxBytes)) {
      this.writeThrough(chunk);
    } else {
      this.lineByLine(chunk, subscribed);
    }
  }

  // The stream ended (the process exited): a last line without newline still counts, and is
  // closed on disk and in the ring so the next run starts on a line of its own.
  end(): void {
    this.cancelFlush();
    if (this.lineLen === 0) return;
    const held = this.heldBytes();
    this.writeLines(held, NEWLINE);
    const at = this.o.now();
    this.o.ring.pushRaw(this.o.stream, at, held);
    this.o.ring.pushRaw(this.o.stream, at, NEWLINE);
    this.publishLine();
    this.startLine();
  }

  private writeThrough(chunk: Uint8Array): void {
    this.cancelFlush();
    const at = this.o.now();
    if (this.held > 0) {
      // A line begun on the line-by-line path: what it held goes first.
      const held = this.heldBytes();
      this.toDisk(held);
      this.o.ring.pushRaw(this.o.stream, at, held);
      this.held = 0;
    }
    this.toDisk(chunk);
    this.o.ring.pushRaw(this.o.stream, at, chunk);
    const last = chunk.lastIndexOf(NL);
    if (last >= 0) this.startLine();
    const rest = last < 0 ? chunk : chunk.subarray(last + 1);
    if (rest.length > 0) {
      this.unpublished.push(rest.slice());
      this.lineLen += rest.length;
      this.lineOnDisk = true;
    }
  }

  private lineByLine(chunk: Uint8Array, subscribed: boolean): void {
    this.cancelFlush();
    const { body, rest } = cutLines(chunk, this.lineLen, this.o.lineMaxBytes);
    if (body.length > 0) {
      const at = this.o.now();
      const held = this.heldBytes();
      this.writeLines(held, body);
      this.o.ring.pushRaw(this.o.stream, at, held);
      this.o.ring.pushRaw(this.o.stream, at, body);
      if (subscribed) this.publish(body, at);
      this.startLine();
    }
    if (rest.length > 0) {
      this.unpublished.push(rest.slice());
      this.held += rest.length;
      this.lineLen += rest.length;
      this.flushTimer = setTimeout(() => this.flushPartial(), this.o.partialFlushMs);
    }
  }

  // A partial line waited long enough: disk, ring and subscribers get it now. On disk it stays
  // open, and its continuation joins it there.
  private flushPartial(): void {
    this.flushTimer = null;
    const held = this.heldBytes();
    if (held.length > 0) {
      const stamp = this.o.timestamps && !this.lineOnDisk;
      this.toDisk(stamp ? concat([this.stampNow(), held]) : held);
      this.o.ring.pushRaw(this.o.stream, this.o.now(), held);
      this.lineOnDisk = true;
      this.held = 0;
    }
    this.publishLine();
    this.unpublished = [];
    this.lineFlushed = true;
  }

  // Sends the complete lines of `body` to subscribers, decoded without joining buffers. The
  // first one continues what subscribers have not had of the current line.
  private publish(body: Uint8Array, at: number): void {
    let text = "";
    for (const part of this.unpublished) text += this.decoder.decode(part, { stream: true });
    const texts = (text + this.decoder.decode(body)).split("\n");
    texts.pop();
    const { process, stream } = this.o;
    // After a flush, an empty rest of the line is no line of its own.
    const from = this.lineFlushed && texts[0] === "" ? 1 : 0;
    for (let i = from; i < texts.length; i++)
      this.o.lines.publish({ process, stream, at, text: texts[i] as string });
  }

  // The unpublished part of the current line, as one line (at its end, or when flushed).
  private publishLine(): void {
    if (!this.o.lines.hasSubscribers(this.o.process)) return;
    const text = decoder.decode(concat(this.unpublished));
    if (text === "" && this.lineFlushed) return;
    this.o.lines.publish({ process: this.o.process, stream: this.o.stream, at: this.o.now(), text });
  }

  private startLine(): void {
    this.unpublished = [];
    this.held = 0;
    this.lineLen = 0;
    this.lineOnDisk = false;
    this.lineFlushed = false;
  }

  private heldBytes(): Uint8Array {
    if (this.held === 0) return EMPTY;
    const all = concat(this.unpublished);
    return all.subarray(all.length - this.held);
  }

  // Writes `held` + `body` (whole lines, the first continuing `held`), with a timestamp in front
  // of each line when timestamps are on.
  private writeLines(held: Uint8Array, body: Uint8Array): void {
    if (this.o.timestamps) this.toDisk(withPrefixes(held, body, this.stampNow(), this.lineOnDisk));
    else this.toDisk(held, body);
  }

  // "2030-01-01T12:00:00.000Z ", encoded once per millisecond.
  private stampNow(): Uint8Array {
    const now = this.o.now();
    if (now !== this.stampAt) {
      this.stampAt = now;
      this.stamp = encoder.encode(`${new Date(now).toISOString()} `);
    }
    return this.stamp;
  }

  // Appends `parts` in order (separately: no copy to join them); lines that could not be
  // written are counted as dropped.
  private toDisk(...parts: Uint8Array[]): void {
    let missing = 0;
    for (const p of parts) if (p.length > 0) missing += p.length - this.o.file.append(p);
    if (missing > 0) this.o.onDropped(Math.max(1, countNewlines(parts[parts.length - 1] as Uint8Array)));
  }

  private cancelFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }
}
