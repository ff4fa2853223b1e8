import { type Pointer, ptr } from "bun:ffi";
import { closeFd, EAGAIN, EINTR, pollNow, readFd, setPipeSize, setReadFlags, signalOwner } from "./libc.ts";

const POLL_EVENTS = 1 | 8 | 16; // POLLIN | POLLERR | POLLHUP
const QUIET_READ_BYTES = 64 * 1024; // a read that fills this makes the pipe busy
const BUSY_READ_BYTES = 1024 * 1024;
const HELD_BYTES = 256 * 1024;
const HELD_MS = 1;
const SWEEP_MS = 1000;

interface Watched {
  fd: number;
  onData: (bytes: Uint8Array) => void;
  ended: () => void;
  busy: boolean;
  grown: GrownPipe;
  // While busy: its own buffer, the bytes in it not yet handed over, and since when.
  held: ReadBuffer | null;
  heldBytes: number;
  heldSince: number;
}

interface ReadBuffer {
  bytes: Uint8Array;
  at: Pointer;
}

const ENDED = -1;

// Every child's output pipe, read by the supervisor itself with read(2) into buffers of its own
// that it reuses (reads are synchronous; onData must copy what it keeps), so a flood costs a
// copy per chunk and no allocation. A pipe is read in one of two ways:
// - Quiet, it costs nothing while it waits. The kernel sends SIGIO when it gets data or loses
//   its last writer (O_ASYNC); the handler polls the quiet pipes and reads each ready one into a
//   buffer all quiet pipes share. A read that comes back short has emptied the pipe, so the next
//   write signals again.
// - Busy, from a quiet read that fills 64 KiB: signals off (a flooding child would send one per
//   write), and the pipe is read once per turn of the event loop (nothing else waits) into a
//   1 MiB buffer of its own, until a read finds it empty. A flooding child's reads are often
//   small (one or two of its writes), and each chunk handed over costs a file write and some
//   bookkeeping, so reads are gathered and handed over 256 KiB at a time, or after 1 ms, or
//   when the pipe is empty.
// A sweep every second polls the quiet pipes too: a lost signal could delay output by that
// much, never stall a child.
export class PipeReader {
  private readonly pipes = new Map<number, Watched>();
  private pollSet: { fds: Int32Array; at: Pointer; count: number } | null = null;
  private quietBuffer: ReadBuffer | null = null;
  // Buffers of pipes busy no more, for the next busy one: as many as were ever busy at once.
  private readonly spareBuffers: ReadBuffer[] = [];
  private listening = false;
  private sweep: ReturnType<typeof setInterval> | null = null;
  // Times a pipe became busy (for tests).
  busySpells = 0;

  // sweepMs: how often the quiet pipes are polled without a signal.
  constructor(private readonly sweepMs = SWEEP_MS) {}

  // Starts reading `fd`; null if it cannot be read this way (then the caller reads it another).
  watch(fd: number, onData: (bytes: Uint8Array) => void): Promise<void> | null {
    if (!this.listening) {
      // Before the first O_ASYNC: SIGIO's default action ends the process.
      process.on("SIGIO", () => this.check());
      this.listening = true;
    }
    if (!signalOwner(fd) || !setReadFlags(fd, true)) return null;
    return new Promise((ended) => {
      const w: Watched = {
        fd,
        onData,
        ended,
        busy: false,
        grown: new GrownPipe(fd),
        held: null,
        heldBytes: 0,
        heldSince: 0,
      };
      this.pipes.set(fd, w);
      this.pollSet = null;
      this.sweep ??= setInterval(() => this.check(), this.sweepMs);
      this.sweep.unref();
      // Output written before O_ASYNC was set sent no signal.
      queueMicrotask(() => this.readQuiet(w));
    });
  }

  // Polls the quiet pipes and reads every one that is ready.
  private check(): void {
    if (this.pipes.size === 0) return;
    const set = this.pollSetNow();
    if (pollNow(set.at, set.count) <= 0) return;
    for (let i = 0; i < set.count; i++) {
      // struct pollfd { int fd; short events; short revents; }: revents is the high half.
      if ((set.fds[2 * i + 1] as number) >>> 16 === 0) continue;
      const w = this.pipes.get(set.fds[2 * i] as number);
      if (w && !w.busy) this.readQuiet(w);
    }
  }

  // Reads a quiet pipe: one read empties it, unless it filled the buffer; then it is busy.
  private readQuiet(w: Watched): void {
    if (this.pipes.get(w.fd) !== w) return; // ended
    const buf = this.quietBufferNow();
    const n = readSome(w.fd, buf.at, buf.bytes.length);
    if (n === ENDED) {
      this.end(w);
      return;
    }
    if (n > 0) deliver(w, buf.bytes.subarray(0, n));
    if (n < QUIET_READ_BYTES) return; // empty now
    w.busy = true;
    this.busySpells++;
    w.grown.grow();
    setReadFlags(w.fd, false);
    setImmediate(() => this.readBusy(w));
  }

  // One read of a busy pipe, into the pipe's own buffer after what it holds already. What it
  // holds goes to onData once it is worth a write (HELD_BYTES), has waited HELD_MS, or the pipe
  // is empty or ended.
  private readBusy(w: Watched): void {
    if (this.pipes.get(w.fd) !== w) return; // ended
    w.held ??= this.spareBuffers.pop() ?? readBuffer(BUSY_READ_BYTES);
    const room = w.held.bytes.length - w.heldBytes;
    const n = readSome(w.fd, (w.held.at + w.heldBytes) as Pointer, room);
    if (n > 0) {
      if (w.heldBytes === 0) w.heldSince = performance.now();
      w.heldBytes += n;
      if (w.heldBytes >= HELD_BYTES || n === room || performance.now() - w.heldSince >= HELD_MS)
        this.flush(w);
      setImmediate(() => this.readBusy(w));
      return;
    }
    this.flush(w);
    if (w.held) this.spareBuffers.push(w.held);
    w.held = null;
    if (n === ENDED) {
      this.end(w);
      return;
    }
    // Empty: quiet again. Output written before its signals came back on sent none.
    w.busy = false;
    setReadFlags(w.fd, true);
    this.readQuiet(w);
  }

  private flush(w: Watched): void {
    if (w.heldBytes === 0 || !w.held) return;
    deliver(w, w.held.bytes.subarray(0, w.heldBytes));
    w.heldBytes = 0;
  }

  private end(w: Watched): void {
    this.pipes.delete(w.fd);
    this.pollSet = null;
    w.grown.release();
    closeFd(w.fd);
    if (this.pipes.size === 0 && this.sweep) {
      clearInterval(this.sweep);
      this.sweep = null;
    }
    w.ended();
  }

  private pollSetNow(): { fds: Int32Array; at: Pointer; count: number } {
    if (this.pollSet) return this.pollSet;
    const fds = new Int32Array(Math.max(1, this.pipes.size) * 2);
    let i = 0;
    for (const fd of this.pipes.keys()) {
      fds[2 * i] = fd;
      fds[2 * i + 1] = POLL_EVENTS; // events (low half), revents 0
      i++;
    }
    this.pollSet = { fds, at: ptr(fds), count: i };
    return this.pollSet;
  }

  private quietBufferNow(): ReadBuffer {
    this.quietBuffer ??= readBuffer(QUIET_READ_BYTES);
    return this.quietBuffer;
  }
}

// read(2) of up to `len` bytes into `at`: the count, 0 if the pipe is empty, or ENDED (no writer
// left, or it broke).
function readSome(fd: number, at: Pointer, len: number): number {
  let n = readFd(fd, at, len);
  while (n === -EINTR) n = readFd(fd, at, len);
  if (n === -EAGAIN) return 0;
  return n > 0 ? n : ENDED;
}

function deliver(w: Watched, bytes: Uint8Array): void {
  try {
    w.onData(bytes);
  } catch {
    // Lost with the chunk; the pipe is still read to its end.
  }
}

function readBuffer(size: number): ReadBuffer {
  const bytes = new Uint8Array(size);
  return { bytes, at: ptr(bytes) };
}

// A busy pipe gets a 1 MiB kernel buffer: the child blocks less often and each read takes more.
// It keeps it until the run ends. Only so many at once: an unprivileged user's pipe buffers (the
// supervisor's and its children's own, when they run as that user) share a limit,
// fs.pipe-user-pages-soft (64 MiB), past which that user's new pipes get 8 KiB.
const GROWN_PIPE_BYTES = 1024 * 1024;
const MAX_GROWN_PIPES = 16;
let grownPipes = 0;

class GrownPipe {
  private tried = false;
  private grown = false;
  constructor(private readonly fd: number) {}

  grow(): void {
    if (this.tried || grownPipes >= MAX_GROWN_PIPES) return;
    this.tried = true; // once per pipe: a refusal will not change
    this.grown = setPipeSize(this.fd, GROWN_PIPE_BYTES);
    if (this.grown) grownPipes++;
  }

  release(): void {
    if (this.grown) grownPipes--;
    this.grown = false;
  }
}
