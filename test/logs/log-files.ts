import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type OutputPipe, readStream } from "../../src/proc/output-pipe.ts";

// Helpers shared by the log tests: what a set of rotated files holds, and fake child pipes.

// The files of one log, oldest first (NAME.K … NAME.1, then NAME), as found in its directory.
export function logFiles(dir: string, base: string): string[] {
  const rotated = readdirSync(dir)
    .map((f) => ({ f, m: f.slice(base.length).match(/^\.(\d+)(\.gz)?$/) }))
    .filter((x) => x.f.startsWith(base) && x.m)
    .sort((a, b) => Number(b.m?.[1]) - Number(a.m?.[1]))
    .map((x) => join(dir, x.f));
  return existsSync(join(dir, base)) ? [...rotated, join(dir, base)] : rotated;
}

// The bytes of one file, gunzipped when it ends in .gz.
export function fileBytes(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith(".gz") ? Buffer.from(Bun.gunzipSync(raw)) : raw;
}

// Each file's content, oldest first.
export function logContents(dir: string, base: string): Buffer[] {
  return logFiles(dir, base).map(fileBytes);
}

// Lines of every file of a log in write order; throws if a file does not end with a newline
// (a line split across files, or one left open).
export function logLines(dir: string, base: string): string[] {
  const files = logFiles(dir, base);
  const out: string[] = [];
  for (const f of files) {
    const text = fileBytes(f).toString("utf8");
    if (text.length === 0) continue;
    if (!text.endsWith("\n"))
      throw new Error(`${f} does not end with a newline: …${JSON.stringify(text.slice(-40))}`);
    out.push(...text.slice(0, -1).split("\n"));
  }
  return out;
}

// A child's pipe, as the launcher hands it to ProcessLogs, reading `stream`.
export function pipeOf(stream: ReadableStream<Uint8Array>): OutputPipe {
  return { read: (onData) => readStream(stream, onData) };
}

// A child's pipe that yields the given chunks, then ends.
export function chunkPipe(chunks: (Uint8Array | string)[]): OutputPipe {
  const queue = chunks.map((c) => (typeof c === "string" ? new TextEncoder().encode(c) : c));
  return pipeOf(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = queue.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    }),
  );
}

// A pipe the test writes to as it goes: push() a chunk, end() closes it.
export function manualPipe(): {
  pipe: OutputPipe;
  push(chunk: Uint8Array | string): void;
  end(): void;
} {
  let ctl: ReadableStreamDefaultController<Uint8Array> | null = null;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
  });
  return {
    pipe: pipeOf(stream),
    push: (chunk) => ctl?.enqueue(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk),
    end: () => ctl?.close(),
  };
}

export const bytes = (s: string | number[]): Uint8Array =>
  typeof s === "string" ? new TextEncoder().encode(s) : new Uint8Array(s);
