// Byte-level helpers for the line-by-line path of StreamCapture. They work on a whole chunk at a
// time (native indexOf and copies), never per line through a decoder: bytes are kept exactly as
// the child wrote them, invalid UTF-8 included.

export const NL = 10;
export const EMPTY = new Uint8Array(0);
const NL_BYTES = new Uint8Array([NL]);

export interface Batch {
  // Every line the chunk completes, each ended by "\n"; the first continues `held` (the start
  // of the current line, not yet written). A line longer than lineMaxBytes is cut into pieces,
  // each ended by an added "\n". A view into the chunk unless a line was cut.
  body: Uint8Array;
  // The unfinished last line (a view into the chunk).
  rest: Uint8Array;
}

// Cuts `chunk`, which continues a line of `lineLen` bytes so far, into complete lines and the rest.
export function cutLines(chunk: Uint8Array, lineLen: number, lineMaxBytes: number): Batch {
  if (!hasLongLine(chunk, lineLen, lineMaxBytes)) {
    const last = chunk.lastIndexOf(NL);
    if (last < 0) return { body: EMPTY, rest: chunk };
    return { body: chunk.subarray(0, last + 1), rest: chunk.subarray(last + 1) };
  }
  const parts: Uint8Array[] = [];
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

let lineEnds = new Int32Array(4096);

// `head` (a line's start, no newline) + `body` (whole lines, the first continuing `head`), with
// `prefix` in front of each line; not in front of the first one when it continues a line
// already begun on disk. One pass over the newlines, one allocation, native copies.
export function withPrefixes(
  head: Uint8Array,
  body: Uint8Array,
  prefix: Uint8Array,
  firstContinues: boolean,
): Uint8Array {
  let n = 0;
  for (let i = body.indexOf(NL); i >= 0; i = body.indexOf(NL, i + 1)) {
    if (n === lineEnds.length) {
      const grown = new Int32Array(n * 2);
      grown.set(lineEnds);
      lineEnds = grown;
    }
    lineEnds[n++] = i;
  }
  const src = Buffer.from(body.buffer, body.byteOffset, body.length);
  const pre = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.length);
  const out = Buffer.allocUnsafe(head.length + body.length + (n - (firstContinues ? 1 : 0)) * prefix.length);
  let from = 0;
  let to = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0 || !firstContinues) to += pre.copy(out, to);
    if (k === 0 && head.length > 0) {
      out.set(head, to);
      to += head.length;
    }
    const end = (lineEnds[k] as number) + 1;
    to += src.copy(out, to, from, end);
    from = end;
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
