import { isatty } from "../proc/libc.ts";

// What a CLI command may touch. Tests pass a recording Io and call run() without spawning.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  isTty: boolean;
}

// process.exit drops what a pipe has not taken yet (a slow reader gets the first 64 KiB), so
// the real Io queues its writes and the entry point waits for them before exiting.
let pending: Promise<unknown> = Promise.resolve();

function queue(sink: typeof Bun.stdout, text: string): void {
  pending = pending.then(() => Bun.write(sink, text)).catch(() => undefined);
}

export function flushOutput(): Promise<unknown> {
  return pending;
}

export const processIo: Io = {
  out: (t) => queue(Bun.stdout, t),
  err: (t) => queue(Bun.stderr, t),
  env: process.env,
  isTty: isTerminal(1),
};

// Whether fd is a terminal: isatty(3). (process.stdout.isTTY would answer too, but building
// process.stdout costs a client verb about 7 ms of its start.)
export function isTerminal(fd: number): boolean {
  try {
    return isatty(fd);
  } catch {
    return false;
  }
}

export function useColor(io: Io): boolean {
  return io.isTty && !io.env.NO_COLOR && io.env.TERM !== "dumb";
}
