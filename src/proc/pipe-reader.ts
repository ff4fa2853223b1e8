import { type Pointer, ptr } from "bun:ffi";
import { GrownPipe } from "./grown-pipe.ts";
import { closeFd, EINTR, pollFor, pollNow, readFd, setReadFlags, signalOwner, sleepFor } from "./libc.ts";

const POLL_EVENTS = 1 | 8 | 16; // POLLIN | POLLERR | POLLHUP
const QUIET_READ_BYTES = 64 * 1024;
const BUSY_FILL = 16 * 1024; // a quiet pipe that gives this much at once is busy
const BUSY_GAP_MS = 1; // so is one read again this soon after its last read
const BUSY_READ_BYTES = 1024 * 1024;
const HELD_BYTES = 256 * 1024;
const HELD_MS = 1;
const IDLE_TURNS = 4;
// Waits as struct timespec. Their address is taken with ptr() at each call, never kept: a small
// typed array's contents may move, and a stale pointer once gave ppoll a garbage timeout that
// never ended. (Read buffers are large, allocated outside the engine's heap, and keep theirs.)
const IDLE_WAIT = new BigInt64Array([0n, 250_000n]); // 250 µs
const GATHER_WAIT = new BigInt64Array([0n, 500_000n]); // 500 µs
const GATHER_BYTES = 256 * 1024;
const MAX_SPARE_BUFFERS = 4;
const SWEEP_MS = 1000;

interface Watched {
  fd: number;
  onData: (bytes: Uint8Array) => void;
  ended: () => void;
  busy: boolean;
  grown: GrownPipe;
  lastQuietRead: number; // performance.now() of its last read while quiet
  // While busy: its own buffer, the bytes in it not yet handed over, since when, and how many
  // turns in a row found the pipe empty.
  held: ReadBuffer | null;
  heldBytes: number;
  heldSince: number;
  idleTurns: number;
}

interface ReadBuffer {
  bytes: Uint8Array;
  at: Pointer;
}

const ENDED = -1;
// read(2) errors after which the pipe cannot be read again. Any other (EAGAIN; or an errno that
// could not be read back) means "nothing now": a signal or a sweep comes back to it.
const PIPE_GONE = new Set([5, 9, 22]); // EIO, EBADF, EINVAL

// Every child's output pipe, read by the supervisor itself with read(2) into buffers of its own
// that it reuses (reads are synchronous; onData must copy what it keeps), so a flood costs a
// copy per chunk and no allocation. A pipe is read in one of two ways:
// - Quiet, it costs nothing while it waits. The kernel sends SIGIO when it gets data or loses
//   its last writer (O_ASYNC); the handler polls the quiet pipes and reads each ready one, into
//   a buffer all quiet pipes share, until a read finds it empty: the next write, or the close,
//   signals again.
// - Busy, once it gives 16 KiB at once or signals again within 1 ms (a flooding child would
//   otherwise cost a signal per write): signals off, and every busy pipe is read once per turn
//   of the event loop (nothing else waits) into a 1 MiB buffer of its own. A turn in which no
//   busy pipe had anything waits up to 250 µs for one to get some, as a blocking reader would,
//   instead of spinning on the CPU the flooding child needs. A turn that read less than 256 KiB
//   in all sleeps 500 µs, data or not, when every busy pipe has its 1 MiB kernel buffer (room
//   for 2 ms at 500 MB/s): waking for each write of a child writing 8 KiB at a time took about
//   half the supervisor's CPU in a flood, and on two cores the flooding child needs that CPU.
//   Reads are gathered and handed over 256 KiB at a time, or after 1 ms (each chunk handed over
//   costs a file write and some bookkeeping). Found empty 4 turns in a row, the pipe is quiet
//   again.
// A sweep polls the quiet pipes too, a second after any activity: a signal, a new pipe, or
// anything the supervisor does (nudge(): a request, an event). The kernel signals every write
// to a pipe and the runtime queues every signal it is sent, so a sweep should never find
// anything; if a signal were lost, the output would wait for the next activity, and a child
// could not stall on it. While nothing happens no sweep is armed: an idle supervisor wakes for
// nothing.
export class PipeReader {
  private readonly pipes = new Map<number, Watched>();
  private pollSet: PollSet | null = null;
  private readonly busy = new Set<Watched>();
  private busyPollSet: PollSet | null = null;
  private turnScheduled = false;
  private quietBuffer: ReadBuffer | null = null;
  // Buffers of pipes busy no more, for the next busy ones.
  private readonly spareBuffers: ReadBuffer[] = [];
  private listening = false;
  private sweep: ReturnType<typeof setTimeout> | null = null;
  // Times a pipe became busy, and turns that slept to gather (for tests).
  busySpells = 0;
  gatherTurns = 0;

  // sweepMs: how long after activity the quiet pipes are polled without a signal.
  constructor(private readonly sweepMs = SWEEP_MS) {}

  // Starts reading `fd`; null if it cannot be read this way (then the caller reads it another).
  watch(fd: number, onData: (bytes: Uint8Array) => void): Promise<void> | null {
    if (!this.listening) {
      // Before the first O_ASYNC: SIGIO's default action ends the process.
      process.on("SIGIO", () => {
        this.check();
        this.nudge();
      });
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
        lastQuietRead: Number.NEGATIVE_INFINITY,
        held: null,
        heldBytes: 0,
        heldSince: 0,
        idleTurns: 0,
      };
      this.pipes.set(fd, w);
      this.pollSet = null;
      this.nudge();
      // Output written before O_ASYNC was set sent no signal.
      queueMicrotask(() => this.readQuiet(w));
    });
  }

  // Something happened: one sweep follows, sweepMs from now (or from the activity that armed the
  // one already pending), and none after it until something happens again.
  nudge(): void {
    if (this.sweep || this.pipes.size === 0) return;
    this.sweep = setTimeout(() => {
      this.sweep = null;
      this.check();
    }, this.sweepMs);
    this.sweep.unref();
  }

  // Whether a sweep is pending (for tests).
  get sweepPending(): boolean {
    return this.sweep !== null;
  }

  // Polls the quiet pipes and reads every one that is ready; true if one was.
  private check(): boolean {
    if (this.pipes.size === 0) return false;
    const set = this.pollSetNow();
    if (pollNow(ptr(set.fds), set.count) <= 0) return false;
    for (let i = 0; i < set.count; i++) {
      // struct pollfd { int fd; short events; short revents; }: revents is the high half.
      if ((set.fds[2 * i + 1] as number) >>> 16 === 0) continue;
      const w = this.pipes.get(set.fds[2 * i] as number);
      if (w && !w.busy) this.readQuiet(w);
    }
    return true;
  }

  // Reads a quiet pipe until a read finds it empty or at its end: a short read empties it, but
  // only a read of 0 tells that its last writer is gone, and that signal may have been merged
  // into the one for the data. It becomes busy when it fills a read, gives BUSY_FILL bytes at
  // once, or signals again within BUSY_GAP_MS of its last read.
  private readQuiet(w: Watched): void {
    if (this.pipes.get(w.fd) !== w || w.busy) return; // ended, or read by the busy turns
    const buf = this.quietBufferNow();
    const now = performance.now();
    const recent = now - w.lastQuietRead < BUSY_GAP_MS;
    w.lastQuietRead = now;
    let total = 0;
    for (;;) {
      const n = readSome(w.fd, buf.at, buf.bytes.length);
      if (n === ENDED) {
        this.end(w);
        return;
      }
      if (n === 0) break;
      deliver(w, buf.bytes.subarray(0, n));
      total += n;
      if (n === buf.bytes.length) break;
    }
    if (total === 0 || (total < BUSY_FILL && !recent)) return;
    w.busy = true;
    w.idleTurns = 0;
    this.busySpells++;
    this.busy.add(w);
    this.busyPollSet = null;
    w.grown.grow();
    setReadFlags(w.fd, false);
    this.scheduleTurn();
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => this.busyTurn());
  }

  // One read of every busy pipe. If none had anything, waits up to IDLE_WAIT for one to get
  // some, as a blocking reader would: a flooding child is often just descheduled, and a
  // supervisor spinning on empty reads would take the CPU it needs. If they had only a little,
  // sleeps GATHER_WAIT so that the next reads take more at once.
  private busyTurn(): void {
    this.turnScheduled = false;
    let got = 0;
    for (const w of this.busy) got += this.readBusy(w);
    if (this.busy.size === 0) return;
    if (got === 0) {
      const set = this.busyPollSetNow();
      pollFor(ptr(set.fds), set.count, ptr(IDLE_WAIT));
    } else if (got < GATHER_BYTES && this.allBusyGrown()) {
      this.gatherTurns++;
      sleepFor(ptr(GATHER_WAIT));
    }
    this.scheduleTurn();
  }

  // One read of a busy pipe, into the pipe's own buffer after what it holds already; the bytes
  // it brought. What it holds goes to onData once it is worth a write (HELD_BYTES), has
  // waited HELD_MS, or the pipe ended or turns quiet: found empty IDLE_TURNS turns in a row.
  private readBusy(w: Watched): number {
    w.held ??= this.spareBuffers.pop() ?? readBuffer(BUSY_READ_BYTES);
    const room = w.held.bytes.length - w.heldBytes;
    const n = readSome(w.fd, (w.held.at + w.heldBytes) as Pointer, room);
    if (n > 0) {
      w.idleTurns = 0;
      if (w.heldBytes === 0) w.heldSince = performance.now();
      w.heldBytes += n;
      if (w.heldBytes >= HELD_BYTES || n === room) this.flush(w);
    }
    if (w.heldBytes > 0 && performance.now() - w.heldSince >= HELD_MS) this.flush(w);
    if (n > 0 || (n === 0 && ++w.idleTurns < IDLE_TURNS)) return n;
    this.flush(w);
    if (this.spareBuffers.length < MAX_SPARE_BUFFERS) this.spareBuffers.push(w.held);
    w.held = null;
    w.busy = false;
    this.busy.delete(w);
    this.busyPollSet = null;
    if (n === ENDED) {
      this.end(w);
      return 0;
    }
    // Quiet again. Output written before its signals came back on sent none: read it now.
    setReadFlags(w.fd, true);
    this.readQuiet(w);
    return 0;
  }

  private allBusyGrown(): boolean {
    for (const w of this.busy) if (!w.grown.isGrown) return false;
    return true;
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
      clearTimeout(this.sweep);
      this.sweep = null;
    }
    w.ended();
  }

  private pollSetNow(): PollSet {
    this.pollSet ??= pollSetOf(this.pipes.keys());
    return this.pollSet;
  }

  private busyPollSetNow(): PollSet {
    this.busyPollSet ??= pollSetOf([...this.busy].map((w) => w.fd));
    return this.busyPollSet;
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
  if (n > 0) return n;
  return n === 0 || PIPE_GONE.has(-n) ? ENDED : 0;
}

function deliver(w: Watched, bytes: Uint8Array): void {
  try {
    w.onData(bytes);
  } catch {
    // Lost with the chunk; the pipe is still read to its end.
  }
}

// struct pollfd[]: small, so its address is taken at each call (see IDLE_WAIT).
interface PollSet {
  fds: Int32Array;
  count: number;
}

function pollSetOf(fds: Iterable<number>): PollSet {
  const list = [...fds];
  const set = new Int32Array(Math.max(1, list.length) * 2);
  list.forEach((fd, i) => {
    set[2 * i] = fd;
    set[2 * i + 1] = POLL_EVENTS; // events (low half), revents 0
  });
  return { fds: set, count: list.length };
}

function readBuffer(size: number): ReadBuffer {
  const bytes = new Uint8Array(size);
  return { bytes, at: ptr(bytes) };
}
