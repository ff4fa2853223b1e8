import { lstatSync, realpathSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { fallbackSocketDir } from "../config/paths.ts";
import { TendError } from "../errors.ts";

// Who may own the files and directories tend trusts. A directory another user owns, or one that
// others may write to, lets that user swap what is inside (a socket, a lock file, a log) for a
// fake or a symlink: tend refuses it, naming it and the owner, rather than be fooled.

export const euid = (): number => process.geteuid?.() ?? 0;

// `dir` must be a directory (symlinks are followed to the real one) owned by root or by
// `owners`, and not writable by group or others (unless `groupWritable` says which group may).
export function trustedDirProblem(dir: string, owners: number[] = [euid()]): string | null {
  let real: string;
  let st: Stats;
  try {
    real = realpathSync(dir);
    st = lstatSync(real);
  } catch (err) {
    return `${dir}: ${(err as NodeJS.ErrnoException).code ?? "cannot be read"}`;
  }
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const owner = Number(st.uid);
  if (owner !== 0 && !owners.includes(owner))
    return `${dir} is owned by uid ${owner}, not by root or uid ${owners.join(" or ")}: another user could replace what tend keeps there`;
  if (Number(st.mode) & 0o022)
    return `${dir} is writable by ${Number(st.mode) & 0o002 ? "others" : "its group"} (mode ${modeText(st)}): use a directory only its owner can write to`;
  return null;
}

export function requireTrustedDir(dir: string, what: string, owners?: number[]): void {
  const p = trustedDirProblem(dir, owners);
  if (p) throw new TendError("INVALID_STATE", `${what}: ${p}`);
}

// The client's side: the socket it is about to talk to must be a socket (not a symlink) owned by
// root or by the client, or be a socket_group socket of a non-root supervisor: owned by that
// supervisor and in a group of the client's. Its directory must be trusted the same way.
export function socketProblem(path: string): string | null {
  const dir = dirname(path);
  const fallback = dir === fallbackSocketDir() ? fallbackDirProblem(dir) : null;
  if (fallback) return fallback;
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return null; // not there: connecting says so in its own words
  }
  if (st.isSymbolicLink()) return `${path} is a symlink, not a socket`;
  if (!st.isSocket()) return `${path} is not a socket`;
  const me = euid();
  const owner = Number(st.uid);
  const groups = process.getgroups?.() ?? [];
  const viaGroup =
    owner !== 0 && owner !== me && groups.includes(Number(st.gid)) && (Number(st.mode) & 0o060) === 0o060;
  if (owner !== 0 && owner !== me && !viaGroup)
    return `${path} is owned by uid ${owner}, not by root or you (uid ${me}): it may not be your supervisor's`;
  if (dir === fallbackSocketDir()) return null; // checked above, more strictly
  return trustedDirProblem(dir, viaGroup ? [me, owner] : [me]);
}

function modeText(st: Stats): string {
  return (Number(st.mode) & 0o7777).toString(8).padStart(4, "0");
}

// The /tmp fallback of a non-root user's socket directory: the user's own, mode 0700, exactly.
export function fallbackDirProblem(dir: string): string | null {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    return null; // not made yet: the daemon makes it 0700
  }
  if (!st.isDirectory() || Number(st.uid) !== euid() || (Number(st.mode) & 0o777) !== 0o700)
    return `${dir} must be a directory of uid ${euid()} with mode 0700 (it is uid ${st.uid}, mode ${modeText(st)}): remove it, or set XDG_RUNTIME_DIR or TEND_SOCKET`;
  return null;
}
