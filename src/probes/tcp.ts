import { createConnection } from "node:net";
import type { CheckOutcome, ProbeCheck } from "./types.ts";

// Passes when a TCP connection to host:port opens; it is closed at once. node:net rather than
// Bun.connect because a connection attempt can then be destroyed at the timeout: a port that
// drops SYNs would otherwise hold a socket open for minutes per check.
export function tcpCheck(host: string, port: number): ProbeCheck {
  return {
    run(signal) {
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
        socket.once("error", (err: NodeJS.ErrnoException) =>
          done({ ok: false, message: err.code === "ECONNREFUSED" ? "connection refused" : err.message }),
        );
      });
    },
  };
}
