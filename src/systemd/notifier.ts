import { DatagramSender, monotonicUsec } from "./datagram.ts";

// The sd_notify(3) messages tend sends, one datagram each: newline-separated KEY=VALUE lines.
export interface Sender {
  send(text: string): number | null; // null when sent, else an errno
  close(): void;
}

export class Notifier {
  private failing = false;

  constructor(
    private readonly sender: Sender,
    private readonly address: string,
    private readonly warn: (msg: string) => void,
    private readonly monotonic: () => bigint = monotonicUsec,
  ) {}

  static open(address: string, warn: (msg: string) => void): Notifier {
    return new Notifier(new DatagramSender(address), address, warn);
  }

  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${status}`);
  }

  // MONOTONIC_USEC lets systemd tell this reload from an earlier one (systemd.service(5), Type=notify-reload).
  reloading(): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${this.monotonic()}\nSTATUS=reloading the config`);
  }

  stopping(): void {
    this.send("STOPPING=1\nSTATUS=stopping every process");
  }

  status(line: string): void {
    this.send(`STATUS=${line}`);
  }

  watchdog(): void {
    this.send("WATCHDOG=1");
  }

  close(): void {
    this.sender.close();
  }

  // A lost datagram is not worth failing for; the first failure of a streak is logged once, so
  // a watchdog ping every few seconds cannot flood the journal.
  private send(text: string): void {
    let problem: string | null;
    try {
      const errno = this.sender.send(text);
      problem = errno === null ? null : `errno ${errno}`;
    } catch (e) {
      problem = String(e);
    }
    if (problem !== null && !this.failing) this.warn(`cannot notify systemd at ${this.address}: ${problem}`);
    this.failing = problem !== null;
  }
}
