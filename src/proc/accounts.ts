import { readFileSync } from "node:fs";

// Users and groups from /etc/passwd and /etc/group: what `user` and `group` name. (No NSS: a
// static binary cannot load libnss modules, and a supervisor's services are local accounts.)
export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

export function parsePasswd(text: string): UserEntry[] {
  const out: UserEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || line.startsWith("#") || !/^\d+$/.test(f[2] ?? "") || !/^\d+$/.test(f[3] ?? ""))
      continue;
    out.push({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || line.startsWith("#") || !/^\d+$/.test(f[2] ?? "")) continue;
    out.push({ name: f[0] as string, gid: Number(f[2]) });
  }
  return out;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

// A name, or a numeric id; the first entry wins, as in getpwnam(3).
export function findUser(nameOrId: string, passwd = readOr("/etc/passwd")): UserEntry | null {
  const users = parsePasswd(passwd);
  const byName = users.find((u) => u.name === nameOrId);
  if (byName || !/^\d+$/.test(nameOrId)) return byName ?? null;
  return users.find((u) => u.uid === Number(nameOrId)) ?? null;
}

export function findGroup(nameOrId: string, group = readOr("/etc/group")): GroupEntry | null {
  const groups = parseGroup(group);
  const byName = groups.find((g) => g.name === nameOrId);
  if (byName) return byName;
  // A numeric gid need not have a name, as with `chgrp 1234`.
  if (/^\d+$/.test(nameOrId))
    return groups.find((g) => g.gid === Number(nameOrId)) ?? { name: nameOrId, gid: Number(nameOrId) };
  return null;
}
