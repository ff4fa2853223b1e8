import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// The files of one log on disk, in the order their lines were written: rotated ones oldest
// first (NAME.K … NAME.1, plain or .gz), then those renamed and waiting for gzip
// (NAME.rotating-<ms>-<seq>), then NAME itself. One readdir, whatever log_keep is.
export function logFilesOf(path: string): string[] {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const rotated: [number, string][] = [];
  const pending: [number, number, string][] = [];
  let current = false;
  for (const name of names) {
    if (name === base) current = true;
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    const r = rest.match(/^(\d+)(\.gz)?$/);
    if (r) rotated.push([Number(r[1]), name]);
    const p = rest.match(/^rotating-(\d+)-(\d+)$/);
    if (p) pending.push([Number(p[1]), Number(p[2]), name]);
  }
  rotated.sort((a, b) => b[0] - a[0]);
  pending.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return [
    ...rotated.map(([, n]) => join(dir, n)),
    ...pending.map(([, , n]) => join(dir, n)),
    ...(current ? [path] : []),
  ];
}

// NAME.rotating-… files, oldest first.
export function pendingFilesOf(path: string): string[] {
  return logFilesOf(path).filter((f) => /\.rotating-\d+-\d+$/.test(f));
}
