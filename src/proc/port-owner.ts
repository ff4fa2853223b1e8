import { readdirSync, readFileSync, readlinkSync } from "node:fs";

// Who listens on a local TCP port, from /proc/net/tcp{,6} (the sockets in LISTEN) and the
// socket links in /proc/PID/fd. Read only when asked: a TCP probe of a local port, a start of
// a process with `port`.

// The socket inodes listening on `port` on a loopback or wildcard address (what a connection to
// 127.0.0.1 or ::1 reaches).
export function localListeners(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "latin1");
    } catch {
      continue; // no IPv6 on this host: nothing listens there
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== "0A") continue; // TCP_LISTEN
      const [addr, hexPort] = (f[1] ?? "").split(":");
      if (Number.parseInt(hexPort ?? "", 16) !== port || !isLocalOrWildcard(addr ?? "")) continue;
      if (f[9] && f[9] !== "0") inodes.add(f[9]);
    }
  }
  return inodes;
}

// /proc/net/tcp writes addresses as host-order hex words: 0100007F is 127.0.0.1.
function isLocalOrWildcard(hex: string): boolean {
  if (hex.length === 8) return /^0+$/.test(hex) || hex.endsWith("7F");
  if (hex.length === 32) {
    if (/^0+$/.test(hex)) return true; // ::
    if (hex === "00000000000000000000000001000000") return true; // ::1
    // ::ffff:127.x.x.x
    return hex.startsWith("0000000000000000FFFF0000") && hex.endsWith("7F");
  }
  return false;
}

// The first of `pids` that holds one of `inodes`.
export function holderAmong(pids: Iterable<number>, inodes: Set<string>): number | null {
  for (const pid of pids) if (holds(pid, inodes)) return pid;
  return null;
}

// Who holds one of `inodes` anywhere on the host, with its command name: for the message.
export function holderOf(inodes: Set<string>): { pid: number; name: string } | null {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return null;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const pid = Number(n);
    if (!holds(pid, inodes)) continue;
    let name = "?";
    try {
      name = readFileSync(`/proc/${pid}/comm`, "latin1").trim();
    } catch {
      // Gone meanwhile: the pid is still the best answer there is.
    }
    return { pid, name };
  }
  return null;
}

function holds(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone, or not ours to look into
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (target.startsWith("socket:[") && inodes.has(target.slice(8, -1))) return true;
  }
  return false;
}

// A probe's host is local when a connection to it stays on this host's loopback.
export function isLocalHost(host: string): boolean {
  return (
    host === "localhost" || host === "::1" || host.startsWith("127.") || host === "0.0.0.0" || host === "::"
  );
}

export function describeHolder(port: number, inodes: Set<string>): string {
  const h = holderOf(inodes);
  return h ? `port ${port} is held by pid ${h.pid} (${h.name})` : `port ${port} is held by another process`;
}
