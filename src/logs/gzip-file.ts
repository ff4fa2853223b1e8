import { unlinkSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

// Writes FILE.gz next to `file` and leaves `file` in place. Reading, compressing and writing
// all run off the event loop, so the supervisor keeps reading every child's output meanwhile.
// Returns the .gz path, or null if it could not (disk full, file gone).
export async function gzipInBackground(file: string): Promise<string | null> {
  const to = `${file}.gz`;
  try {
    const data = await readFile(file);
    // "wx" (O_EXCL): a new file only, never one (or a symlink) already there.
    await writeFile(to, await gzipAsync(data), { mode: 0o640, flag: "wx" });
    return to;
  } catch {
    try {
      unlinkSync(to);
    } catch {
      // Never made: nothing to remove.
    }
    return null;
  }
}
