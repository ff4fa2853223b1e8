import { dlopen, FFIType, ptr, read } from "bun:ffi";

// AF_UNIX datagrams through libc: Bun has no datagram unix socket in its API, and a shell-out per
// message (systemd-notify) would fork on every status change and watchdog ping. Loaded lazily, so
// only a supervisor started by systemd pays for the dlopen.
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000; // children must not inherit the notify socket
const MSG_NOSIGNAL = 0x4000;
const CLOCK_MONOTONIC = 1;
const SUN_PATH_MAX = 108; // sizeof(sockaddr_un.sun_path) on Linux

type Libc = ReturnType<typeof open>;
let lib: Libc | null = null;

function open() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: {
      args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
      returns: FFIType.i64,
    },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}

function libc(): Libc {
  lib ??= open();
  return lib;
}

function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : read.i32(p, 0);
}

// struct sockaddr_un for `address`: a filesystem path, or "@name" for the abstract namespace
// (a leading NUL byte, and the length counts only the name's bytes, with no terminator).
export function socketAddress(address: string): { bytes: Uint8Array; length: number } {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  const pathBytes = name.length + 1; // the abstract NUL in front, or the path's terminator
  if (name.length === 0 || pathBytes > SUN_PATH_MAX)
    throw new Error(`socket address "${address}" is empty or longer than ${SUN_PATH_MAX - 1} bytes`);
  const bytes = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  bytes.set(name, abstract ? 3 : 2);
  return { bytes, length: 2 + pathBytes };
}

// One unconnected datagram socket; each send names the destination.
export class DatagramSender {
  private fd: number;
  private readonly address: ReturnType<typeof socketAddress>;

  constructor(address: string) {
    this.address = socketAddress(address);
    this.fd = libc().socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (this.fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM) failed: errno ${errno()}`);
  }

  // Returns null when sent, else the errno (e.g. ECONNREFUSED when nobody listens).
  send(text: string): number | null {
    if (this.fd < 0) return 9; // EBADF
    const data = new TextEncoder().encode(text);
    const n = libc().sendto(
      this.fd,
      ptr(data),
      BigInt(data.length),
      MSG_NOSIGNAL,
      ptr(this.address.bytes),
      this.address.length,
    );
    return Number(n) === data.length ? null : errno();
  }

  close(): void {
    if (this.fd >= 0) libc().close(this.fd);
    this.fd = -1;
  }
}

// CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC against.
// (performance.now() counts from this process's start, not from boot.)
export function monotonicUsec(): bigint {
  const ts = new BigInt64Array(2);
  if (libc().clock_gettime(CLOCK_MONOTONIC, ptr(ts)) !== 0) throw new Error("clock_gettime failed");
  return (ts[0] as bigint) * 1_000_000n + (ts[1] as bigint) / 1000n;
}
