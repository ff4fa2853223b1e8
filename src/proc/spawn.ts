import type { ExitInfo } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import { cloexecPipe, closeFd } from "./libc.ts";
import { type OutputPipe, outputPipe } from "./output-pipe.ts";
import { readStat } from "./proc-fs.ts";

// The only place tend starts a process.
export interface SpawnRequest {
  argv: string[]; // argv[0]: the file to run
  argv0?: string; // what the program sees as argv[0], when it differs from the file's path
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
  stdout: OutputPipe | null;
  stderr: OutputPipe | null;
}

// Children already known to Bun.spawn: the reaper must leave their exit status to Bun.
export const spawnedPids = new Set<number>();

export function spawnChild(req: SpawnRequest): ChildHandle {
  // Plain pipes of our own rather than Bun's "pipe" (a socketpair): a child writing flat out
  // costs both sides less per byte through a pipe (no socket buffer allocated and freed per
  // write), and a busy pipe can be given a bigger buffer (see grown-pipe.ts).
  const pipes: number[] = [];
  try {
    const [outR, outW] = cloexecPipe();
    pipes.push(outR, outW);
    const [errR, errW] = cloexecPipe();
    pipes.push(errR, errW);
    const proc = Bun.spawn(req.argv, {
      ...(req.argv0 === undefined ? {} : { argv0: req.argv0 }),
      cwd: req.cwd ?? undefined,
      env: req.env,
      ...(req.uid === undefined ? {} : { uid: req.uid }),
      ...(req.gid === undefined ? {} : { gid: req.gid }),
      stdio: ["ignore", outW, errW],
      // setsid(): the child leads its own process group, so a stop can signal the whole group.
      detached: true,
    });
    // The child has its copies of the write ends; ours would keep the pipes from ever ending.
    pipes.length = 0;
    closeFd(outW);
    closeFd(errW);
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
      stdout: outputPipe(outR),
      stderr: outputPipe(errR),
    };
  } catch (err) {
    for (const fd of pipes) closeFd(fd);
    throw new TendError("SPAWN_FAILED", `cannot start ${req.argv[0]}: ${errorMessage(err)}`);
  }
}
