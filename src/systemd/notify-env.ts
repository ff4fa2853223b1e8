// What systemd tells a Type=notify service through its environment. Taken out of the
// environment once read (sd_notify's unset_environment), so supervised children neither inherit
// the notify socket nor mistake the supervisor's watchdog for their own.
export interface NotifyEnv {
  socket: string; // a path, or "@name" in the abstract namespace
  watchdogUsec: number | null; // null: no watchdog, or it is meant for another pid
}

const KEYS = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] as const;

export function takeNotifyEnv(env: Record<string, string | undefined>, pid: number): NotifyEnv | null {
  const found = readNotifyEnv(env, pid);
  for (const k of KEYS) delete env[k];
  return found;
}

export function readNotifyEnv(env: Record<string, string | undefined>, pid: number): NotifyEnv | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket || !(socket.startsWith("/") || socket.startsWith("@"))) return null;
  return { socket, watchdogUsec: watchdogUsec(env, pid) };
}

// WATCHDOG_USEC applies to us only when WATCHDOG_PID is unset or names this process.
export function watchdogUsec(env: Record<string, string | undefined>, pid: number): number | null {
  const usec = env.WATCHDOG_USEC;
  if (!usec || !/^\d+$/.test(usec) || Number(usec) === 0) return null;
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== "" && forPid !== String(pid)) return null;
  return Number(usec);
}
