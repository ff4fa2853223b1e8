import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { fallbackSocketDir } from "../config/paths.ts";
import { TendError } from "../errors.ts";
import { findGroup } from "../proc/accounts.ts";
import { euid, fallbackDirProblem, requireTrustedDir } from "../proc/trust.ts";

// The control socket is the supervisor's only door: 0600 (0660 for socket_group), in a directory
// no other user owns or can write to, so nobody can swap the socket for one of their own. With
// socket_group the directory is the supervisor's, GROUP, mode 2750 (setgid): the socket is born
// in that group, under umask 0117 born 0660, so no chown or chmod follows the bind (a window in
// which someone owning the directory could put a symlink in its place).
export async function prepareSocketPath(path: string, group: string | null): Promise<{ gid: number | null }> {
  const gid = group === null ? null : groupId(group);
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (dir === fallbackSocketDir()) {
    const p = fallbackDirProblem(dir);
    if (p) throw new TendError("INVALID_STATE", `socket directory: ${p}`);
  }
  requireTrustedDir(dir, "socket directory");
  if (gid !== null && Number(lstatSync(dir).uid) === euid()) {
    chownSync(dir, euid(), gid);
    chmodSync(dir, 0o2750);
  }
  if (!existsSync(path) && !isDanglingLink(path)) return { gid };
  const st = lstatSync(path);
  if (!st.isSocket()) throw new TendError("INVALID_STATE", `${path} exists and is not a socket; remove it`);
  if (await answers(path)) {
    throw new TendError("ALREADY_RUNNING", `a supervisor already answers on ${path}; stop it with tend down`);
  }
  unlinkSync(path); // stale socket from a crashed supervisor
  return { gid };
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false; // nothing there at all
  }
}

// Whether a supervisor answers on the socket at `path` (any HTTP answer counts).
export async function answers(path: string): Promise<boolean> {
  try {
    const res = await fetch("http://localhost/v1/health", { unix: path, signal: AbortSignal.timeout(1000) });
    return res.ok || res.status > 0;
  } catch {
    return false; // nothing answers: the socket is stale
  }
}

// The umask to bind under: the socket is born 0600, or 0660 in socket_group's directory.
export function socketUmask(gid: number | null): number {
  return gid === null ? 0o177 : 0o117;
}

// After the bind: the socket is ours, as it should be, with nothing changed by hand.
export function checkBoundSocket(path: string, gid: number | null): void {
  const st = lstatSync(path);
  const mode = Number(st.mode) & 0o777;
  const want = gid === null ? 0o600 : 0o660;
  if (
    !st.isSocket() ||
    Number(st.uid) !== euid() ||
    mode !== want ||
    (gid !== null && Number(st.gid) !== gid)
  )
    throw new TendError(
      "INVALID_STATE",
      `the socket ${path} came out mode ${mode.toString(8)} uid ${st.uid} gid ${st.gid}; expected ${want.toString(8)}${gid === null ? "" : ` in group ${gid}`}`,
    );
}

function groupId(name: string): number {
  const g = findGroup(name);
  if (!g) throw new TendError("CONFIG_INVALID", `supervisor.socket_group: no group "${name}" in /etc/group`);
  return g.gid;
}
