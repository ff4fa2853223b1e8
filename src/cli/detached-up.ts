import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { connect, TendApiError } from "../client/index.ts";
import { ConfigError } from "../config/issues.ts";
import { buildConfig, loadConfig } from "../config/load.ts";
import { errorMessage } from "../errors.ts";
import { selfCommand } from "../self-command.ts";
import { CliError, EXIT } from "./cli-error.ts";
import type { Io } from "./io.ts";

// `tend up -d`: the same `tend up` in a session of its own, its output in STATE_DIR/tend.log;
// this returns once the supervisor answers on its socket, or fails with what it printed.
const ANSWER_DEADLINE_MS = 30_000;
const ANSWER_TIMEOUT_MS = 1000;

export async function detachedUp(
  file: string,
  empty: boolean,
  environment: string | null,
  format: "text" | "json",
  io: Io,
): Promise<number> {
  let socket: string;
  let stateDir: string;
  try {
    const config = empty
      ? buildConfig(file, {}, io.env, environment)
      : loadConfig(file, io.env, undefined, environment);
    socket = config.supervisor.socketPath;
    stateDir = config.supervisor.stateDir;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.failed);
    throw err;
  }
  if (await answers(socket))
    throw new CliError(`tend up -d: a supervisor already answers on ${socket}`, EXIT.failed);
  const log = join(stateDir, "tend.log");
  let fd: number;
  try {
    mkdirSync(stateDir, { recursive: true });
    fd = openSync(log, "a");
  } catch (err) {
    throw new CliError(`tend up -d: cannot open ${log}: ${errorMessage(err)}`, EXIT.failed);
  }
  const argv = [
    ...selfCommand().exec,
    "up",
    ...(empty ? [] : ["-c", file]),
    ...(environment ? ["--env", environment] : []),
    "--log-format",
    format,
  ];
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn(argv, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: io.env as Record<string, string>,
    });
  } catch (err) {
    throw new CliError(`tend up -d: cannot start ${argv[0]}: ${errorMessage(err)}`, EXIT.failed);
  } finally {
    closeSync(fd);
  }
  let exited: number | null = null;
  void child.exited.then((code) => {
    exited = code;
  });
  const deadline = performance.now() + ANSWER_DEADLINE_MS;
  for (;;) {
    if (exited !== null) {
      const tail = (await Bun.file(log).text()).split("\n").slice(-20).join("\n");
      throw new CliError(
        `tend up -d: the supervisor exited ${exited}; the end of ${log}:\n${tail}`,
        EXIT.failed,
      );
    }
    if (await answers(socket)) break;
    if (performance.now() > deadline) {
      // Not left running unanswered: what was started is stopped, and nothing is half up.
      child.kill("SIGTERM");
      throw new CliError(
        `tend up -d: the supervisor (pid ${child.pid}) did not answer on ${socket} within ${ANSWER_DEADLINE_MS / 1000} s and was stopped; see ${log}`,
        EXIT.failed,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.unref();
  io.out(`tend: supervisor running (pid ${child.pid}) on ${socket}; its output goes to ${log}\n`);
  return EXIT.ok;
}

// Whether a supervisor answers on the socket (any answer counts, a refusal too), asked through
// the client, within a second. A socket that is not the supervisor's (untrusted) is not asked.
async function answers(socket: string): Promise<boolean> {
  const asked = connect({ socket, reconnect: 0 })
    .health()
    .then(
      () => true,
      (err) => err instanceof TendApiError && err.code !== "UNREACHABLE" && err.code !== "UNTRUSTED_SOCKET",
    );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ANSWER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}
