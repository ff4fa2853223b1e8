import type { ExitInfo } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import { cloexecPipe, closeFd, setPipeSize } from "./libc.ts";
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
  stdout: OutputPipe | null;
  stderr: OutputPipe | null;
}

// The reading end of a child's output pipe. read() hands over everything written to it, in
// order, and resolves (with the fd closed) when every writer has closed it or it broke.
export interface OutputPipe {
  read(onData: (bytes: Uint8Array) => void): Promise<void>;
}

// Children already known to Bun.spawn: the reaper must leave their exit status to Bun.
export const spawnedPids = new Set<number>();

export function spawnChild(req: SpawnRequest): ChildHandle {
  // Plain pipes of our own rather than Bun's "pipe" (a socketpair): a child writing flat out
  // costs both sides less per byte through a pipe (no socket buffer allocated and freed per
  // write), and a busy pipe can be given a bigger buffer (see outputPipe).
  const pipes: number[] = [];
  try {
    const [outR, outW] = cloexecPipe();
    pipes.push(outR, outW);
    const [errR, errW] = cloexecPipe();
    pipes.push(errR, errW);
    const proc = Bun.spawn(req.argv, {
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

// A pipe found full (one read took at least its default 64 KiB) gets a 1 MiB kernel buffer:
// the child blocks less often and each read takes more, which under a flood is most of what the
// supervisor spends. It keeps it until the run ends. Only so many at once: an unprivileged
// user's pipe buffers (the supervisor's and its children's own, when they run as that user)
// share a limit, fs.pipe-user-pages-soft (64 MiB), past which that user's new pipes get 8 KiB.
const PIPE_DEFAULT_BYTES = 64 * 1024;
const GROWN_PIPE_BYTES = 1024 * 1024;
const MAX_GROWN_PIPES = 16;
let grownPipes = 0;

function outputPipe(fd: number): OutputPipe {
  let taken = false;
  return {
    async read(onData) {
      if (taken) throw new Error(`pipe ${fd} is already being read`);
      taken = true;
      let tried = false;
      let grown = false;
      try {
        await readStream(Bun.file(fd).stream(), (chunk) => {
          if (!tried && chunk.length >= PIPE_DEFAULT_BYTES && grownPipes < MAX_GROWN_PIPES) {
            tried = true; // once per pipe: a refusal will not change
            grown = setPipeSize(fd, GROWN_PIPE_BYTES);
            if (grown) grownPipes++;
          }
          onData(chunk);
        });
      } finally {
        if (grown) grownPipes--;
        closeFd(fd);
      }
    },
  };
}

// Reads `stream` to its end, handing each chunk to onData; resolves (never rejects) when it
// ends or breaks, with what was read handed over. Bun's readMany hands over every chunk already
// buffered, without a promise when there is one: fewer turns of the event loop under a flood.
export async function readStream(
  stream: ReadableStream<Uint8Array>,
  onData: (bytes: Uint8Array) => void,
): Promise<void> {
  try {
    const reader = stream.getReader() as unknown as ManyReader;
    for (;;) {
      const got = reader.readMany();
      const { done, value } = got instanceof Promise ? await got : got;
      for (const chunk of value ?? []) onData(chunk);
      if (done) return;
    }
  } catch {
    // The pipe broke: what was read is kept.
  }
}

interface ManyReader {
  readMany(): { done: boolean; value?: Uint8Array[] } | Promise<{ done: boolean; value?: Uint8Array[] }>;
}
