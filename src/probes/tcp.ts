import { createConnection } from "node:net";
import { describeHolder, isLocalHost, localListeners } from "../proc/port-owner.ts";
import type { CheckOutcome, ProbeCheck } from "./types.ts";

// Nothing is read: a connection is closed as soon as it opens.
const IGNORE = { data() {}, error() {}, close() {} };

// Passes when a TCP connection to host:port opens; it is closed at once.
//
// Bun.connect costs about half of node:net per check, which matters at hundreds of checks a
// second, but an attempt cannot be abandoned: to a port that drops SYNs it stays pending until
// the kernel gives up (about two minutes). So while a timed-out Bun.connect attempt is still
// pending, checks use node:net, whose attempt is destroyed at the timeout: a probe never holds
// more than one stale attempt.
//
// `holds` (whether the run's tree holds a socket), for a local host: a connection proves only
// that something listens. The check passes only if the listening socket belongs to the run's
// tree, so another program that holds the port (while this one logs "address already in use")
// is no pass.
export function tcpCheck(
  host: string,
  port: number,
  holds: ((inodes: Set<string>) => boolean) | null = null,
): ProbeCheck {
  const owned = (outcome: CheckOutcome): CheckOutcome =>
    outcome.ok && holds && isLocalHost(host) ? ownedBy(port, holds) : outcome;
  return connectCheck(host, port, owned);
}

function ownedBy(port: number, holds: (inodes: Set<string>) => boolean): CheckOutcome {
  const inodes = localListeners(port);
  // No listener on a local address (a forward, another namespace): the connection is all there is.
  if (inodes.size === 0 || holds(inodes)) return { ok: true, message: "connected" };
  return { ok: false, message: `${describeHolder(port, inodes)}, not by this process` };
}

function connectCheck(host: string, port: number, owned: (o: CheckOutcome) => CheckOutcome): ProbeCheck {
  let stale = false;
  return {
    async run(signal) {
      if (stale) return owned(await connectAbortable(host, port, signal));
      const connecting = Bun.connect({ hostname: host, port, socket: IGNORE });
      const socket = await Promise.race([connecting, aborted(signal)]).catch((err: unknown) => err as Error);
      if (socket === null) {
        stale = true;
        connecting.then(
          (s) => {
            s.end();
            stale = false;
          },
          () => {
            stale = false;
          },
        );
        return { ok: false, message: "timed out" };
      }
      if (socket instanceof Error) return { ok: false, message: connectError(socket) };
      socket.end();
      return owned({ ok: true, message: "connected" });
    },
  };
}

function connectAbortable(host: string, port: number, signal: AbortSignal): Promise<CheckOutcome> {
  return new Promise<CheckOutcome>((resolve) => {
    const socket = createConnection({ host, port });
    const done = (outcome: CheckOutcome) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => done({ ok: false, message: "timed out" });
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => done({ ok: true, message: "connected" }));
    socket.once("error", (err) => done({ ok: false, message: connectError(err) }));
  });
}

// Resolves null when `signal` aborts; the listener goes with the signal.
function aborted(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(null);
    else signal.addEventListener("abort", () => resolve(null), { once: true });
  });
}

function connectError(err: Error): string {
  return (err as NodeJS.ErrnoException).code === "ECONNREFUSED" ? "connection refused" : err.message;
}
