import { homedir } from "node:os";
import { join } from "node:path";

// Where tend keeps its socket, database and logs when the config does not say.
const isRoot = () => process.getuid?.() === 0;

// The defaults for a supervisor running as root, as under the systemd unit.
export const ROOT_PATHS = {
  socket: "/run/tend/tend.sock",
  stateDir: "/var/lib/tend",
  logDir: "/var/log/tend",
} as const;

export function defaultSocketPath(env: Record<string, string | undefined> = process.env): string {
  if (env.TEND_SOCKET) return env.TEND_SOCKET;
  if (isRoot()) return ROOT_PATHS.socket;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "tend", "tend.sock");
  return join(fallbackSocketDir(), "tend.sock");
}

// A non-root user without $XDG_RUNTIME_DIR: a directory in /tmp, which another user could have
// made first. Daemon and client accept it only as the user's own, mode 0700 (trust.ts).
export function fallbackSocketDir(): string {
  return join("/tmp", `tend-${process.getuid?.() ?? "user"}`);
}

export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.TEND_STATE_DIR) return env.TEND_STATE_DIR;
  if (isRoot()) return ROOT_PATHS.stateDir;
  return join(env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "tend");
}

export function defaultLogDir(
  stateDir: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (env.TEND_LOG_DIR) return env.TEND_LOG_DIR;
  if (isRoot()) return ROOT_PATHS.logDir;
  return join(stateDir, "logs");
}
