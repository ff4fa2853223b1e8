import { chmodSync, chownSync, existsSync, mkdirSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { TendError } from "../errors.ts";

// The control socket is the supervisor's only door: 0600 (0660 for socket_group), in a directory
// nobody else can write to, so no other user can replace it.
export async function prepareSocketPath(path: string, group: string | null): Promise<void> {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: group ? 0o750 : 0o700 });
  const st = statSync(dir);
  if (st.mode & 0o002) {
    throw new TendError(
      "INVALID_STATE",
      `socket directory ${dir} is writable by others; use a private directory`,
    );
  }
  if (!existsSync(path)) return;
  if (await answers(path)) {
    throw new TendError("ALREADY_RUNNING", `a supervisor already answers on ${path}; stop it with tend down`);
  }
  unlinkSync(path); // stale socket from a crashed supervisor
}

async function answers(path: string): Promise<boolean> {
  try {
    const res = await fetch("http://localhost/v1/health", { unix: path, signal: AbortSignal.timeout(1000) });
    return res.ok || res.status > 0;
  } catch {
    return false;
  }
}

export function secureSocket(path: string, group: string | null): void {
  if (group) {
    const gid = groupId(group);
    chownSync(path, process.getuid?.() ?? 0, gid);
    chmodSync(path, 0o660);
  } else {
    chmodSync(path, 0o600);
  }
}

function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const text = require("node:fs").readFileSync("/etc/group", "utf8") as string;
  for (const line of text.split("\n")) {
    const [n, , gid] = line.split(":");
    if (n === name && gid) return Number(gid);
  }
  throw new TendError("CONFIG_INVALID", `socket_group "${name}" does not exist in /etc/group`);
}
