import type { ExitInfo } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import { readStat } from "./proc-fs.ts";

// The only place tend starts a process.
export interface SpawnRequest {
  argv: string[];
  cwd: string | null;
  env: Record<string, string>;
  // setuid/setgid in the child (Bun clears its supplementary groups); see run-as.ts.
  uid?: number;
  gid?: number;
}

export interface ChildHandle {
  pid: number;
  startTicks: number | null;
  exited: Promise<ExitInfo>;
  // The child's stdout and stderr pipes; the supervisor must read them to the end.
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
}

// Children already known to Bun.spawn: the reaper must leave their exit status to Bun.
export const spawnedPids = new Set<number>();

export function spawnChild(req: SpawnRequest): ChildHandle {
  try {
    const proc = Bun.spawn(req.argv, {
      cwd: req.cwd ?? undefined,
      env: req.env,
      ...(req.uid === undefined ? {} : { uid: req.uid }),
      ...(req.gid === undefined ? {} : { gid: req.gid }),
      stdio: ["ignore", "pipe", "pipe"],
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
    return {
      pid,
      startTicks: readStat(pid)?.startTicks ?? null,
      exited,
      stdout: proc.stdout,
      stderr: proc.stderr,
    };
  } catch (err) {
    throw new TendError("SPAWN_FAILED", `cannot start ${req.argv[0]}: ${errorMessage(err)}`);
  }
}
