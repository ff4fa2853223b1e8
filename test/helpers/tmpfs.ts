import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

// A small tmpfs mounted at `path` (root only): a real file system that can be filled to the
// last byte, so SQLite answers SQLITE_FULL and nothing is faked. Disposing detaches it at once
// (a lazy umount), also while a supervisor still holds files in it.
export function mountTmpfs(path: string, sizeBytes: number) {
  mkdirSync(path, { recursive: true });
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${sizeBytes},mode=0700`, "tmpfs", path]);
  if (mount.exitCode !== 0) throw new Error(`mount tmpfs at ${path}: ${mount.stderr.toString()}`);
  const filler = join(path, "filler");
  return {
    path,
    // Writes to `filler` until the file system has no byte left.
    fill(): void {
      const fd = openSync(filler, "a");
      try {
        for (const size of [65_536, 4096, 512, 1]) {
          const chunk = new Uint8Array(size);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free(): void {
      rmSync(filler, { force: true });
    },
    [Symbol.dispose](): void {
      Bun.spawnSync(["umount", "-l", path]);
    },
  };
}

export const isRoot = process.getuid?.() === 0;
