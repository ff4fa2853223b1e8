import { existsSync } from "node:fs";
import { TendError } from "../errors.ts";
import { findGroup, findUser } from "./accounts.ts";

// Starting a child as another account. Bun.spawn sets uid and gid but cannot set supplementary
// groups (it clears them), so a service would lose the groups that grant it access to sockets,
// devices or shared directories. setpriv(1) from util-linux does setgroups(initgroups) + setgid +
// setuid and then execs the command in place (same pid), so tend uses it when it is installed
// and falls back to Bun's uid/gid (no supplementary groups) when it is not.
export const SETPRIV = "/usr/bin/setpriv";

export interface Account {
  uid: number | null; // null: stay root, change only the group
  gid: number;
  env: Record<string, string>; // HOME, USER, LOGNAME of the user
}

export function resolveAccount(user: string | null, group: string | null): Account | null {
  if (user === null && group === null) return null;
  const u = user === null ? null : findUser(user);
  if (user !== null && !u) throw new TendError("SPAWN_FAILED", `no user "${user}" in /etc/passwd`);
  const g = group === null ? null : findGroup(group);
  if (group !== null && !g) throw new TendError("SPAWN_FAILED", `no group "${group}" in /etc/group`);
  return {
    uid: u?.uid ?? null,
    gid: g?.gid ?? u?.gid ?? 0,
    env: u ? { HOME: u.home, USER: u.name, LOGNAME: u.name } : {},
  };
}

export interface AccountCommand {
  argv: string[];
  uid?: number;
  gid?: number;
}

export function commandAs(
  account: Account,
  argv: string[],
  setpriv: string | null = existsSync(SETPRIV) ? SETPRIV : null,
): AccountCommand {
  if (setpriv === null)
    return { argv, gid: account.gid, ...(account.uid === null ? {} : { uid: account.uid }) };
  const ids =
    account.uid === null
      ? [`--regid=${account.gid}`, "--clear-groups"]
      : [`--reuid=${account.uid}`, `--regid=${account.gid}`, "--init-groups"];
  return { argv: [setpriv, ...ids, "--", ...argv] };
}
