import { findGroup, findUser } from "../proc/accounts.ts";

// Checks of `user` and `group` made when the config is loaded (and a process is added), so a
// mistake is a config error naming the key, not a process that fails at its first start.
export interface AccountsView {
  euid: number;
  passwd?: string; // /etc/passwd text; read from the file when absent
  group?: string;
}

const current = (): AccountsView => ({ euid: process.geteuid?.() ?? -1 });

// Only root can start a process as another user; asking for it otherwise is a config error.
function rootProblem(key: string, view: AccountsView): string | null {
  if (view.euid === 0) return null;
  return `\`${key}\` needs tend to run as root (it runs as uid ${view.euid}); remove it or start tend as root`;
}

export function userProblem(name: string, view: AccountsView = current()): string | null {
  return (
    rootProblem("user", view) ?? (findUser(name, view.passwd) ? null : `no user "${name}" in /etc/passwd`)
  );
}

export function groupProblem(name: string, view: AccountsView = current()): string | null {
  return (
    rootProblem("group", view) ?? (findGroup(name, view.group) ? null : `no group "${name}" in /etc/group`)
  );
}
