import type { Clock } from "../clock.ts";
import type { Control } from "../domain/control.ts";
import { Notifier } from "./notifier.ts";
import { takeNotifyEnv } from "./notify-env.ts";
import { createStatusReporter, statusLine } from "./status-line.ts";
import { startWatchdog } from "./watchdog.ts";

// What the daemon tells systemd and when. The supervisor knows nothing of systemd: the link
// reads its state and events, and the daemon calls it around startup, reloads and shutdown.
export interface SystemdLink {
  ready(): void;
  reloading(): void;
  reloaded(): void;
  stopping(): void;
  close(): void;
}

export interface LinkDeps {
  env: Record<string, string | undefined>;
  pid: number;
  clock: Clock;
  control: Pick<Control, "list" | "subscribe">;
  warn: (msg: string) => void;
  statusIntervalMs?: number;
  open?: (address: string, warn: (msg: string) => void) => Notifier;
}

// Null when tend was not started by systemd as a notify service (no NOTIFY_SOCKET).
export function linkSystemd(deps: LinkDeps): SystemdLink | null {
  const found = takeNotifyEnv(deps.env, deps.pid);
  if (!found) return null;
  const notifier = (deps.open ?? Notifier.open)(found.socket, deps.warn);
  const line = () => statusLine(deps.control.list());
  const status = createStatusReporter(deps.clock, deps.statusIntervalMs ?? 1000, line, (l) =>
    notifier.status(l),
  );
  const unsubscribe = deps.control.subscribe((e) => {
    if (e.process !== null && e.state !== null) status.changed();
  });
  const watchdog =
    found.watchdogUsec === null
      ? null
      : startWatchdog(deps.clock, found.watchdogUsec, () => notifier.watchdog());
  const ready = () => {
    const l = line();
    notifier.ready(l);
    status.noteSent(l);
  };
  let closed = false;
  return {
    ready,
    reloading: () => notifier.reloading(),
    reloaded: ready,
    stopping: () => notifier.stopping(),
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      status.stop();
      watchdog?.stop();
      notifier.close();
    },
  };
}
