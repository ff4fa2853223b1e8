import { dlopen, FFIType, type Pointer, ptr, read } from "bun:ffi";

// The few libc calls Bun does not expose, loaded on first use. Client verbs load only isatty.
const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
const LOCK_EX = 2;
const LOCK_NB = 4;

type Libc = ReturnType<typeof open>;
let lib: Libc | null = null;

function open() {
  return dlopen("libc.so.6", {
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    // ssize_t, but never more than the (small) length asked for: i32 avoids a BigInt per call.
    read: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
    poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    ppoll: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  }).symbols;
}

function libc(): Libc {
  lib ??= open();
  return lib;
}

// isatty(3) on its own: a client verb asks it once, and a library of one symbol opens in about
// 1 ms (node:tty costs about 12 ms of start-up, node:fs about 5).
let ttyLib: { isatty(fd: number): number } | null = null;

export function isatty(fd: number): boolean {
  ttyLib ??= dlopen("libc.so.6", { isatty: { args: [FFIType.i32], returns: FFIType.i32 } }).symbols;
  return ttyLib.isatty(fd) === 1;
}

// Orphaned descendants are re-parented to us instead of to init, so we can reap them and
// find them when a stop must kill a whole tree.
export function becomeSubreaper(): boolean {
  return libc().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0;
}

// Reaps one specific child if it has exited, answering its wait status (null if it has not).
// Never waitpid(-1): that would steal the exit status of children Bun.spawn is waiting for.
export function reapPid(pid: number): number | null {
  const status = new Int32Array(1);
  return libc().waitpid(pid, ptr(status), WNOHANG) === pid ? (status[0] as number) : null;
}

// An exclusive advisory lock; the kernel drops it when the process dies, even by SIGKILL.
export function tryLockFd(fd: number): boolean {
  return libc().flock(fd, LOCK_EX | LOCK_NB) === 0;
}

const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const O_ASYNC = 0o20000;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETOWN = 8;
const F_SETPIPE_SZ = 1031;
export const EAGAIN = 11;
export const EINTR = 4;

// A pipe whose ends no other child inherits (Bun.spawn dup2()s the end it is given onto the
// child's stdout or stderr, and that copy is inherited). Returns [read end, write end].
export function cloexecPipe(): [number, number] {
  const fds = new Int32Array(2);
  if (libc().pipe2(ptr(fds), O_CLOEXEC) !== 0) throw new Error("pipe2 failed (out of file descriptors?)");
  return [fds[0] as number, fds[1] as number];
}

export function closeFd(fd: number): void {
  libc().close(fd);
}

// Asks for a bigger pipe buffer; false if the kernel refused (fs.pipe-max-size, or the user's
// pipe-user-pages limits).
export function setPipeSize(fd: number, bytes: number): boolean {
  return libc().fcntl(fd, F_SETPIPE_SZ, bytes) >= bytes;
}

// Makes `fd` non-blocking, with or without O_ASYNC (for the end the supervisor reads only: the
// child's end stays blocking, as programs expect). With O_ASYNC the kernel sends the fd's owner
// (see signalOwner) SIGIO whenever the pipe gets data or loses its last writer.
export function setReadFlags(fd: number, signal: boolean): boolean {
  const old = libc().fcntl(fd, F_GETFL, 0);
  if (old < 0) return false;
  const next = signal ? old | O_NONBLOCK | O_ASYNC : (old | O_NONBLOCK) & ~O_ASYNC;
  return next === old || libc().fcntl(fd, F_SETFL, next) >= 0;
}

// Where SIGIO for `fd` goes: this process.
export function signalOwner(fd: number): boolean {
  return libc().fcntl(fd, F_SETOWN, process.pid) >= 0;
}

// read(2) of up to `len` bytes into memory at `at`: the count read, 0 at end of file, or -errno
// (-EAGAIN if errno reads back as 0: it is read in a second call, after the runtime had its turn).
export function readFd(fd: number, at: Pointer, len: number): number {
  const n = libc().read(fd, at, len);
  if (n >= 0) return n;
  const errno = read.i32(libc().__errno_location() as Pointer);
  return errno > 0 ? -errno : -EAGAIN;
}

// poll(2) without waiting over `count` struct pollfd at `at`; the number ready, or -1.
export function pollNow(at: Pointer, count: number): number {
  return libc().poll(at, count, 0);
}

// ppoll(2) over `count` struct pollfd at `at`, waiting at most `timeout` (a struct timespec).
export function pollFor(at: Pointer, count: number, timeout: Pointer): number {
  return libc().ppoll(at, count, timeout, null);
}

// Sleeps for `timeout` (a struct timespec): ppoll(2) over no fds, so no data cuts it short.
export function sleepFor(timeout: Pointer): void {
  libc().ppoll(null, 0, timeout, null);
}
