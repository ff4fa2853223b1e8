import { type Pointer, ptr } from "bun:ffi";
import { closeFd, EAGAIN, EINTR, pollNow, readFd, setPipeSize, setReadFlags, signalOwner } from "./libc.ts";

const POLL_EVENTS = 1 | 8 | 16; // POLLIN | POLLERR | POLLHUP
const QUIET_READ_BYTES = 64 * 1024; // a read that fills this makes the pipe busy
const BUSY_READ_BYTES = 1024 * 1024;
const SWEEP_MS = 1000;

interface Watched {
  fd: number;
  onData: (bytes: Uint8Array) => void;
  ended: () => void;
  busy: boolean;
  grown: GrownPipe;
}

interface ReadBuffer {
  bytes: Uint8Array;
  at: Pointer;
}

const ENDED = -1;

// Every child's output pipe, read by the supervisor itself with read(2) into a buffer that all
// pipes share (reads are synchronous; onData must copy what it keeps), so a flood costs a copy
// per chunk and no allocation. A pipe is read in one of two ways:
// - Quiet, it costs nothing while it waits. The kernel sends SIGIO when it gets data or loses
//   its last writer (O_ASYNC); the handler polls the quiet pipes and reads each ready one. A
//   read that comes back short has emptied the pipe, so the next write signals again.
// - Busy, from a quiet read that fills 64 KiB: signals off (a flooding child would send one per
//   write), and the pipe is read 1 MiB at a time, once per turn of the event loop (nothing else
//   waits), until a read finds it empty. While it stays busy every read brings something.
// A sweep every second polls the quiet pipes too: a lost signal could delay output by that
// much, never stall a child.
export class PipeReader {
  private readonly pipes = new Map<number, Watched>();
  private pollSet: { fds: Int32Array; at: Pointer; count: number } | null = null;
  private quietBuffer: ReadBuffer | null = null;
  private busyBuffer: ReadBuffer | null = null;
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
      const w: Watched = { fd, onData, ended, busy: false, grown: new GrownPipe(fd) };
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
    const n = this.readOnce(w, this.quietBufferNow());
    if (n < QUIET_READ_BYTES) return; // empty now, or ended
    w.busy = true;
    this.busySpells++;
    w.grown.grow();
    setReadFlags(w.fd, false);
    setImmediate(() => this.readBusy(w));
  }

  private readBusy(w: Watched): void {
    const n = this.readOnce(w, this.busyBufferNow());
    if (n === ENDED) return;
    if (n > 0) setImmediate(() => this.readBusy(w));
    else {
      // Empty: quiet again. Output written before its signals came back on sent none.
      w.busy = false;
      setReadFlags(w.fd, true);
      this.readQuiet(w);
    }
  }

  // One read(2) of `w` handed to onData: the count read, 0 if the pipe is empty, or ENDED (no
  // writer left, or it broke; `w` is done with).
  private readOnce(w: Watched, buf: ReadBuffer): number {
    if (this.pipes.get(w.fd) !== w) return ENDED;
    let n = readFd(w.fd, buf.at, buf.bytes.length);
    while (n === -EINTR) n = readFd(w.fd, buf.at, buf.bytes.length);
    if (n === -EAGAIN) return 0;
    if (n <= 0) {
      this.end(w);
      return ENDED;
    }
    try {
      w.onData(buf.bytes.subarray(0, n));
    } catch {
      // Lost with the chunk; the pipe is still read to its end.
    }
    return n;
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

  private busyBufferNow(): ReadBuffer {
    this.busyBuffer ??= readBuffer(BUSY_READ_BYTES);
    return this.busyBuffer;
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
