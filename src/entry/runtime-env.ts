import { readFileSync } from "node:fs";

// `tend up` runs without the runtime's own idle collections. Left on, the runtime checks the heap
// every second after any activity and runs a full collection 10 s into a quiet spell and then
// once a minute: 20-30 ms of CPU in the first half-minute after every start, request or event,
// with nothing to do. The supervisor's heap keeper (src/daemon/heap-keeper.ts) already collects
// a second after activity, and only when the heap grew. These settings are read when the
// runtime starts, so `tend up` re-executes itself once (execve: the same pid, the same fds and
// arguments) with them in its environment, then takes them out again before it starts anything,
// so no supervised process, probe or hook inherits them.
// The allocator's background thread (mi-scavenger) is off too: it returns freed memory to the
// system 100 ms after a free, then wakes every 30 s forever, with or without anything to return.
// Without it the supervisor's own allocations return that memory as they go; an idle supervisor
// measured the same RssAnon with and without it (12.0 MiB with 100 children).
export const RUNTIME_ENV: Readonly<Record<string, string>> = {
  BUN_GC_TIMER_DISABLE: "1",
  BUN_IDLE_GC_SECONDS: "0",
  MIMALLOC_SCAVENGER: "0",
};

// Set on the re-executed process: the names this file added, to take out again.
export const RUNTIME_ENV_MARK = "TEND_RUNTIME_ENV";

export type Exec = (path: string, argv: string[], env: string[]) => string; // returns why it failed

export interface Reexec {
  path: string;
  argv: string[];
  env: string[]; // NAME=value
}

// In the re-executed process: the settings taken out of `env` (they did their work when the
// runtime started), and null. Elsewhere: how to re-execute with them, or null if the operator
// set them all (then they are theirs, and stay).
export function runtimeEnvPlan(
  env: Record<string, string | undefined>,
  argv: () => string[] = ownArgv,
): Reexec | null {
  const added = env[RUNTIME_ENV_MARK];
  if (added !== undefined) {
    for (const name of added.split(",")) if (name in RUNTIME_ENV) delete env[name];
    delete env[RUNTIME_ENV_MARK];
    return null;
  }
  const missing = Object.keys(RUNTIME_ENV).filter((name) => env[name] === undefined);
  if (!missing.length) return null;
  const next = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  for (const name of missing) next.push(`${name}=${RUNTIME_ENV[name]}`);
  next.push(`${RUNTIME_ENV_MARK}=${missing.join(",")}`);
  return { path: "/proc/self/exe", argv: argv(), env: next };
}

// The command line exactly as this process was started (the compiled binary's process.argv
// names its embedded script instead).
function ownArgv(): string[] {
  return commandLine(readFileSync("/proc/self/cmdline"), readFileSync("/proc/self/environ"));
}

// /proc/PID/cmdline's NUL-terminated arguments (an empty one included). The runtime holds
// arguments and environment as text: bytes that are not UTF-8 would not survive the round trip,
// so then it throws, and there is no re-exec.
export function commandLine(cmdline: Buffer, environ: Buffer): string[] {
  for (const [file, raw] of [
    ["cmdline", cmdline],
    ["environ", environ],
  ] as const)
    if (!Buffer.from(raw.toString("utf8")).equals(raw))
      throw new Error(`/proc/self/${file} holds bytes that are not UTF-8`);
  return cmdline.toString("utf8").split("\0").slice(0, -1);
}

// execve(2) through libc; the function returns only if it failed, with errno.
export async function libcExec(): Promise<Exec> {
  const { dlopen, FFIType, ptr, read } = await import("bun:ffi");
  const lib = dlopen("libc.so.6", {
    execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  });
  return (path, argv, env) => {
    const strings: Buffer[] = []; // alive until execve returns
    const table = (list: string[]) => {
      const out = new BigUint64Array(list.length + 1); // NULL-terminated
      list.forEach((s, i) => {
        const b = Buffer.from(`${s}\0`);
        strings.push(b);
        out[i] = BigInt(ptr(b));
      });
      return out;
    };
    const file = Buffer.from(`${path}\0`);
    const args = table(argv);
    const vars = table(env);
    lib.symbols.execve(ptr(file), ptr(args), ptr(vars));
    const at = lib.symbols.__errno_location();
    return `execve ${path} failed (errno ${at ? read.i32(at, 0) : "unknown"})`;
  };
}
