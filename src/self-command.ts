import { resolve } from "node:path";

// This very tend as a command line: the compiled binary, or Bun running src/main.ts from sources
// (absolute paths). `exe` names the executable: process.execPath, the file on disk (what a unit
// file should run), or /proc/self/exe, the running one even if an upgrade has since replaced or
// removed that file.
export function selfCommand(exe: string = process.execPath): { exec: string[]; fromSources: boolean } {
  return import.meta.path.startsWith("/$bunfs/")
    ? { exec: [exe], fromSources: false }
    : { exec: [exe, resolve(import.meta.dir, "main.ts")], fromSources: true };
}
