import { closeSync, mkdirSync, openSync } from "node:fs";
import type { ExitInfo } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import { readStat } from "./proc-fs.ts";

// The only place tend starts a process.
export interface SpawnRequest {
  argv: string[];
  cwd: string | null;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
}

export interface ChildHandle {
  pid: number;
  startTicks: number | null;
  exited: Promise<ExitInfo>;
}

// Children already known to Bun.spawn: the reaper must leave their exit status to Bun.
export const spawnedPids = new Set<number>();

export function spawnChild(req: SpawnRequest): ChildHandle {
  const fds: number[] = [];
  try {
    fds.push(openAppend(req.stdoutPath));
    fds.push(req.stderrPath === req.stdoutPath ? (fds[0] as number) : openAppend(req.stderrPath));
    const proc = Bun.spawn(req.argv, {
      cwd: req.cwd ?? undefined,
      env: req.env,
      stdio: ["ignore", fds[0] as number, fds[1] as number],
      // setsid(): the child leads its own process group, so a stop can signal the whole group.
      detached: true,
    });
    const pid = proc.pid;
    spawnedPids.add(pid);
    const exited = proc.exited.then((): ExitInfo => {
      spawnedPids.delete(pid);
      const signal = proc.signalCode === null ? null : String(proc.signalCode);
      return { code: signal === null ? proc.exitCode : null, signal };
    });
    return { pid, startTicks: readStat(pid)?.startTicks ?? null, exited };
  } catch (err) {
    throw new TendError("SPAWN_FAILED", `cannot start ${req.argv[0]}: ${errorMessage(err)}`);
  } finally {
    for (const fd of new Set(fds)) closeSync(fd);
  }
}

function openAppend(path: string): number {
  mkdirSync(path.slice(0, path.lastIndexOf("/")) || "/", { recursive: true });
  return openSync(path, "a", 0o640);
}
