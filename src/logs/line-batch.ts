// Byte-level helpers for the line-by-line path of StreamCapture. They work on a whole chunk at a
// time (native indexOf and copies, one allocation), never per line through a decoder: bytes are
// kept exactly as the child wrote them, invalid UTF-8 included.

export const NL = 10;
export const EMPTY = new Uint8Array(0);
const NL_BYTES = new Uint8Array([NL]);

export interface Batch {
  // Every line the chunk completes, each ended by "\n": `held` first, then the chunk up to its
  // last line end. A line longer than lineMaxBytes is cut into pieces, each ended by an added "\n".
  body: Uint8Array;
  // The unfinished last line (a view into the chunk).
  rest: Uint8Array;
}

// Cuts `held` (the start of the current line, not yet written) + `chunk` into complete lines and
// the rest. `lineLen` is the length of the current line so far, `held` included.
export function cutLines(held: Uint8Array, chunk: Uint8Array, lineLen: number, lineMaxBytes: number): Batch {
  if (!hasLongLine(chunk, lineLen, lineMaxBytes)) {
    const last = chunk.lastIndexOf(NL);
    if (last < 0) return { body: EMPTY, rest: chunk };
    const complete = chunk.subarray(0, last + 1);
    return { body: held.length ? concat([held, complete]) : complete, rest: chunk.subarray(last + 1) };
  }
  const parts: Uint8Array[] = held.length ? [held] : [];
  let pos = 0;
  let len = lineLen;
  for (;;) {
    const room = lineMaxBytes - len;
    const nl = chunk.indexOf(NL, pos);
    const end = nl < 0 ? chunk.length : nl;
    if (end - pos > room) {
      parts.push(chunk.subarray(pos, pos + room), NL_BYTES);
      pos += room;
    } else if (nl < 0) {
      break;
    } else {
      parts.push(chunk.subarray(pos, nl + 1));
      pos = nl + 1;
    }
    len = 0;
  }
  return { body: concat(parts), rest: chunk.subarray(pos) };
}

// True if `chunk`, continuing a line of `lineLen` bytes, holds a line longer than lineMaxBytes.
export function hasLongLine(chunk: Uint8Array, lineLen: number, lineMaxBytes: number): boolean {
  let start = 0;
  let len = lineLen;
  for (;;) {
    const limit = start + (lineMaxBytes - len);
    if (limit >= chunk.length) return false;
    const nl = limit < start ? -1 : chunk.lastIndexOf(NL, limit);
    if (nl < start) return true;
    start = nl + 1;
    len = 0;
  }
}

// `body` (whole lines) with `prefix` in front of each line; not in front of the first one when
// it continues a line already begun on disk.
export function withPrefixes(body: Uint8Array, prefix: Uint8Array, firstContinues: boolean): Uint8Array {
  const lines = countNewlines(body);
  const src = Buffer.from(body.buffer, body.byteOffset, body.length);
  const pre = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.length);
  const out = Buffer.allocUnsafe(body.length + (lines - (firstContinues ? 1 : 0)) * prefix.length);
  let from = 0;
  let to = 0;
  while (from < src.length) {
    const nl = src.indexOf(NL, from);
    if (from > 0 || !firstContinues) to += pre.copy(out, to);
    to += src.copy(out, to, from, nl + 1);
    from = nl + 1;
  }
  return out;
}

export function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(NL); i >= 0; i = bytes.indexOf(NL, i + 1)) n++;
  return n;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
