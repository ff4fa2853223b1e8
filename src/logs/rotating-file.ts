import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { errorMessage } from "../errors.ts";
import { gzipInBackground } from "./gzip-file.ts";
import { logFilesOf, pendingFilesOf } from "./log-files.ts";

export interface RotationPolicy {
  maxBytes: number; // rotate once the file reaches this size (0: never)
  keep: number; // rotated files kept: NAME.1 … NAME.keep
  compress: boolean; // gzip rotated files (NAME.1.gz …)
}

// One log file rotated by rename in the process that writes it, so no line is lost or written
// twice across a rotation (copytruncate can do both). Writes never throw: a failed write (disk
// full, file removed) is counted and reported by the caller as dropped. With compress, a full
// file is renamed to NAME.rotating-… at once and gzipped off the event loop (gzip of 10 MiB
// takes ~200 ms); it joins NAME.1.gz … when done, in rotation order. A rotation that fails is
// reported (once, until one succeeds) and tried again at the next write past maxBytes; the file
// grows meanwhile, but never past twice maxBytes: beyond that lines are dropped (and counted by
// the caller), so a broken rotation cannot fill the disk.
export class RotatingFile {
  private fd: number | null = null;
  size = 0;
  // Bytes written since the last newline: a rotation waits for the line to end.
  openLine = 0;
  // How many of NAME.1 … NAME.keep exist, counted once on the first rotation, so a rotation
  // does not probe every slot up to keep.
  private rotated: number | null = null;
  private compressions: Promise<void> = Promise.resolve();
  private seq = 0;
  // Bumped by clear(): compressions begun before it are thrown away.
  private generation = 0;

  private rotationError: string | null = null;
  private droppingLine = false;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly onRotationFailed: (error: string) => void = () => {},
  ) {
    // A supervisor that stopped mid-gzip left files behind: they are older than NAME.
    if (policy.compress && policy.keep > 0) for (const f of pendingFilesOf(path)) this.queueGzip(f);
  }

  // Writes `bytes` and returns how many were written.
  write(bytes: Uint8Array): number {
    try {
      const fd = this.open();
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      this.size += bytes.length;
      return bytes.length;
    } catch {
      return 0;
    }
  }

  // Appends bytes, rotating whenever they would take the file past maxBytes: after the last line
  // end that fits, so a file always ends on a line end. A file goes past maxBytes only by a line
  // that began before it was full (it stays until that line ends) or one longer than a file.
  append(bytes: Uint8Array): number {
    const max = this.policy.maxBytes;
    let rest = bytes;
    let written = 0;
    if (this.droppingLine) {
      // The start of this line was dropped: its end goes too, so no line is torn.
      const end = rest.indexOf(10);
      if (end < 0) return 0;
      this.droppingLine = false;
      rest = rest.subarray(end + 1);
    }
    if (max > 0) this.openQuietly();
    while (max > 0 && rest.length > 0 && this.size + rest.length > max) {
      const room = max - this.size;
      let cut = room > 0 ? rest.lastIndexOf(10, room - 1) : -1;
      if (cut < 0 && this.openLine === 0 && this.size > 0) {
        // The next line does not fit: it starts the next file.
        if (this.rotate()) continue;
        return written + this.appendBelowCap(rest);
      }
      // A line in progress, or one longer than a whole file: it ends this file.
      if (cut < 0) cut = rest.indexOf(10);
      if (cut < 0) break;
      written += this.write(rest.subarray(0, cut + 1));
      this.openLine = 0;
      rest = rest.subarray(cut + 1);
      if (rest.length > 0 && !this.rotate()) return written + this.appendBelowCap(rest);
    }
    return written + this.writeTracked(rest);
  }

  // While rotations fail: the whole lines that fit below twice maxBytes; the rest is dropped.
  private appendBelowCap(rest: Uint8Array): number {
    this.openQuietly();
    const room = 2 * this.policy.maxBytes - this.size;
    if (rest.length <= room) return this.writeTracked(rest);
    const cut = room > 0 ? rest.lastIndexOf(10, room - 1) : -1;
    if (cut < 0 && this.openLine > 0) {
      // A line already begun on disk is ended, however long, so the file holds no torn line.
      const end = rest.indexOf(10);
      if (end < 0) return this.writeTracked(rest);
      this.droppingLine = rest.length > end + 1 && rest[rest.length - 1] !== 10;
      return this.writeTracked(rest.subarray(0, end + 1));
    }
    this.droppingLine = rest[rest.length - 1] !== 10;
    return cut < 0 ? 0 : this.writeTracked(rest.subarray(0, cut + 1));
  }

  private writeTracked(part: Uint8Array): number {
    const n = this.write(part);
    const last = part.lastIndexOf(10);
    this.openLine = last < 0 ? this.openLine + part.length : part.length - last - 1;
    return n;
  }

  // True if the file was rotated; false leaves the current file in place (reopened at the next
  // write with its real size).
  rotate(): boolean {
    this.close();
    try {
      if (this.policy.keep === 0) unlinkSync(this.path);
      else if (this.policy.compress) {
        const to = `${this.path}.rotating-${Date.now()}-${this.seq++}`;
        renameSync(this.path, to);
        this.queueGzip(to);
      } else this.shiftIn(this.path, "");
    } catch (err) {
      const first = this.rotationError === null;
      this.rotationError = errorMessage(err);
      if (first) this.onRotationFailed(this.rotationError);
      return false;
    }
    this.rotationError = null;
    this.size = 0;
    return true;
  }

  // Resolves once every rotated file waiting for gzip has been compressed (or given up on).
  settled(): Promise<void> {
    return this.compressions;
  }

  // Empties the current file and removes rotated ones (`tend logs --clear`).
  clear(): void {
    this.close();
    this.generation++;
    for (const f of logFilesOf(this.path)) if (f !== this.path) tryUnlink(f);
    this.rotated = 0;
    try {
      closeSync(openSync(this.path, TRUNCATE, 0o640));
    } catch {
      // Not there (or a symlink, refused): the next write makes the file anew.
    }
    this.size = 0;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  // Rotated files, oldest first, then those waiting for gzip, then the current one: the order
  // lines were written.
  files(): string[] {
    return logFilesOf(this.path);
  }

  // Moves `from` to NAME.1<ext>, shifting NAME.i to NAME.i+1 and dropping NAME.keep.
  private shiftIn(from: string, ext: string): void {
    const keep = this.policy.keep;
    this.rotated ??= countRotated(this.path, ext, keep);
    if (this.rotated >= keep) tryUnlink(`${this.path}.${keep}${ext}`);
    for (let i = Math.min(this.rotated, keep - 1); i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}${ext}`, `${this.path}.${i + 1}${ext}`);
      } catch {} // removed by someone else: the slot stays empty
    }
    renameSync(from, `${this.path}.1${ext}`);
    this.rotated = Math.min(this.rotated + 1, keep);
  }

  private queueGzip(file: string): void {
    const generation = this.generation;
    this.compressions = this.compressions.then(async () => {
      const gz = await gzipInBackground(file);
      if (generation !== this.generation) {
        if (gz) tryUnlink(gz);
        return;
      }
      // Not compressed (disk full, file gone): it stays as it is, listed by files() in its place.
      if (!gz) return;
      try {
        this.shiftIn(gz, ".gz");
        unlinkSync(file);
      } catch {}
    });
  }

  // Opens the file so `size` is known; a failure shows at the write.
  private openQuietly(): void {
    try {
      this.open();
    } catch {}
  }

  private open(): number {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.path, APPEND, 0o640);
      } catch (err) {
        // The log directory is gone (or was never made): make it again rather than drop lines.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
        this.fd = openSync(this.path, APPEND, 0o640);
      }
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }
}

// O_NOFOLLOW: a log file that is a symlink (to a file of root's) is never written through; the
// write fails and its lines are counted as dropped.
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
const TRUNCATE = constants.O_WRONLY | constants.O_TRUNC | constants.O_CREAT | constants.O_NOFOLLOW;

function countRotated(path: string, ext: string, keep: number): number {
  let n = 0;
  while (n < keep && existsSync(`${path}.${n + 1}${ext}`)) n++;
  return n;
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}
