import { errorMessage } from "../errors.ts";
import { spawnedPids } from "./spawn.ts";

// A short command the supervisor runs itself (an exec probe): in its own process group, with
// its output kept (the first few KiB), ended as a whole group when `signal` aborts.
export interface RunCommandRequest {
  argv: string[];
  argv0?: string;
  cwd: string | null;
  env: Record<string, string>;
  uid?: number; // setuid/setgid in the child, where setpriv is not there to do it (run-as.ts)
  gid?: number;
  signal: AbortSignal;
  stdin?: string; // written to the command's stdin, which is then closed
}

export interface CommandResult {
  code: number | null;
  signal: string | null;
  aborted: boolean;
  output: string; // stdout then stderr, at most OUTPUT_LIMIT characters
  error: string | null; // the command could not be started
}

const OUTPUT_LIMIT = 4096;

export async function runCommand(req: RunCommandRequest): Promise<CommandResult> {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(req.argv, {
      ...(req.argv0 === undefined ? {} : { argv0: req.argv0 }),
      cwd: req.cwd ?? undefined,
      env: req.env,
      ...(req.uid === undefined ? {} : { uid: req.uid }),
      ...(req.gid === undefined ? {} : { gid: req.gid }),
      stdio: [req.stdin === undefined ? "ignore" : new TextEncoder().encode(req.stdin), "pipe", "pipe"],
      // setsid(): the command and whatever it starts share a group we can kill in one call.
      detached: true,
    });
  } catch (err) {
    return { code: null, signal: null, aborted: false, output: "", error: errorMessage(err) };
  }
  const pid = proc.pid;
  spawnedPids.add(pid);
  const killGroup = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  req.signal.addEventListener("abort", killGroup, { once: true });
  if (req.signal.aborted) killGroup();
  const out = collect(proc.stdout as ReadableStream<Uint8Array>);
  const err = collect(proc.stderr as ReadableStream<Uint8Array>);
  try {
    await proc.exited;
  } finally {
    spawnedPids.delete(pid);
    req.signal.removeEventListener("abort", killGroup);
  }
  // Whatever the command left running in its group goes with it: nothing a probe starts
  // outlives the probe, and no straggler holds the output pipes open.
  killGroup();
  // One that left the group (setsid) could hold them open forever: read until the deadline.
  await Promise.race([Promise.all([out.done, err.done]), whenAborted(req.signal)]);
  out.cancel();
  err.cancel();
  return {
    code: proc.signalCode === null ? proc.exitCode : null,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
    aborted: req.signal.aborted,
    output: (out.kept() + err.kept()).slice(0, OUTPUT_LIMIT),
    error: null,
  };
}

function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

// Reads a pipe to its end, keeping the first OUTPUT_LIMIT characters.
function collect(stream: ReadableStream<Uint8Array>) {
  let kept = "";
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        if (kept.length < OUTPUT_LIMIT) kept += decoder.decode(value, { stream: true });
      }
    } catch {
      // Cancelled, or a pipe torn down by the kill: what was read is what there is.
    }
  })();
  return {
    done,
    kept: () => kept,
    cancel: () => void reader.cancel().catch(() => {}),
  };
}
