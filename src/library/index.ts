// tend as a library: `startSupervisor()` runs a supervisor of the caller's own, from a config
// object, as a child `tend up` on a socket in a temporary directory, and answers with the same
// interface as tend/client. It runs as a child process so that nothing of it touches the
// caller's process: no subreaper, no SIGCHLD reaper that could take the caller's own children,
// no signal handlers, no umask. `await using` (or down()) stops everything it started.
//
//   import { startSupervisor } from "tend";
//   await using tend = await startSupervisor({
//     processes: { api: { command: ["node", "server.js"], readiness: { type: "tcp", port: 3000 } } },
//   });
//   await tend.wait("api");
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, TendApiError, type TendClient, type TendConfig } from "../client/index.ts";

export * from "../client/index.ts";

export interface StartOptions {
  // The command that runs tend: default $TEND_BIN (a built binary), else under Bun this
  // package's own source (bun src/main.ts), else `tend` on PATH.
  bin?: string[];
  // Where processes without a cwd run (and what relative paths in the config are relative to):
  // default process.cwd().
  cwd?: string;
  env?: Record<string, string | undefined>; // the supervisor's environment: default process.env
  readyTimeout?: number; // ms to wait for the supervisor to answer; default 30 s
}

export interface PrivateSupervisor extends TendClient {
  readonly pid: number;
  readonly dir: string; // the temporary directory: config, socket, state, logs
  // As `tend down`: stops every process, waits for the supervisor to exit, removes `dir`.
  down(): Promise<void>;
}

// This package's root: the nearest directory up from here with src/main.ts (the source, or the
// built dist/lib/ of an installed package).
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, "src/main.ts")) && existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  return null;
}

function defaultBin(env: Record<string, string | undefined>): string[] {
  if (env.TEND_BIN) return [env.TEND_BIN];
  const root = packageRoot();
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" && root)
    return [process.execPath, join(root, "src/main.ts")];
  return ["tend"];
}

export async function startSupervisor(
  config: TendConfig = {},
  o: StartOptions = {},
): Promise<PrivateSupervisor> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const dir = mkdtempSync(join(tmpdir(), "tend-"));
  const socket = join(dir, "tend.sock");
  const processes = Object.fromEntries(
    Object.entries(config.processes ?? {}).map(([name, p]) => [name, { cwd, ...p }]),
  );
  const file = join(dir, "tend.json");
  writeFileSync(
    file,
    JSON.stringify({
      ...config,
      supervisor: {
        ...config.supervisor,
        socket,
        state_dir: join(dir, "state"),
        log_dir: join(dir, "logs"),
      },
      processes,
    }),
    { mode: 0o600 },
  );
  const [command, ...args] = o.bin ?? defaultBin(env);
  const logFile = join(dir, "supervisor.log");
  const out = openSync(logFile, "a");
  const child = spawn(command as string, [...args, "up", "-c", file], {
    cwd,
    // Its stdin is a pipe this program holds: if this program dies, the supervisor stops.
    env: { ...env, TEND_SOCKET: socket, TEND_STOP_WITH_STDIN: "1" },
    stdio: ["pipe", out, out],
  });
  closeSync(out);
  let exited: { code: number | null; signal: string | null } | null = null;
  let spawnError: Error | null = null;
  const gone = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once("error", (err) => {
      spawnError = err;
      resolve();
    });
  });
  const client = connect({ socket });
  const log = () => {
    try {
      return readFileSync(logFile, "utf8").trim().split("\n").slice(-20).join("\n");
    } catch {
      return "(no log)"; // The directory is gone: there is nothing more to say.
    }
  };
  const fail = (why: string): never => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new TendApiError("UNREACHABLE", `startSupervisor: ${why}`);
  };

  // Ready when the socket answers; not ready if the supervisor exited first.
  const deadline = Date.now() + (o.readyTimeout ?? 30_000);
  for (;;) {
    if (spawnError)
      fail(`cannot run ${command}: ${(spawnError as Error).message} (pass { bin } or set TEND_BIN)`);
    if (exited) {
      const e = exited as { code: number | null; signal: string | null };
      fail(`the supervisor exited (${e.signal ?? `code ${e.code}`}) before answering:\n${log()}`);
    }
    try {
      await client.health();
      break;
    } catch (err) {
      if (!(err instanceof TendApiError) || err.code !== "UNREACHABLE") {
        fail(`the supervisor answered with an error: ${(err as Error).message}`);
      }
    }
    if (Date.now() > deadline)
      fail(`no answer on ${socket} within ${o.readyTimeout ?? 30_000} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 25));
  }

  let stopping: Promise<void> | null = null;
  const down = () => {
    stopping ??= (async () => {
      client.close();
      if (!exited) {
        try {
          await client.shutdown();
        } catch (err) {
          // Not answering any more: a signal asks for the same orderly stop.
          if (!(err instanceof TendApiError)) throw err;
          child.kill("SIGTERM");
        }
        await gone;
      }
      child.stdin?.end();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const supervisor: PrivateSupervisor = Object.assign(Object.create(null), client, {
    pid: child.pid as number,
    dir,
    down,
    [Symbol.asyncDispose]: down,
  });
  return supervisor;
}
