import { untilCleanedUp } from "./leftovers.ts";

// A tmux server of the test's own (-L private socket), so a test drives a real terminal of a
// fixed size and never touches anyone else's sessions. Dispose kills that server only.
export class Tmux {
  readonly socketName = `tend-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  private untrack: () => void = () => {};

  constructor(private readonly env: Record<string, string> = {}) {}

  run(...args: string[]): string {
    const p = Bun.spawnSync(["tmux", "-L", this.socketName, "-f", "/dev/null", ...args], {
      env: { ...(process.env as Record<string, string>), ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (p.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${p.stderr.toString().trim()}`);
    return p.stdout.toString();
  }

  // A detached session running `sh` in a `width`×`height` terminal (no status line taking a row).
  start(width: number, height: number): this {
    const size = ["-x", String(width), "-y", String(height)];
    this.run(
      "start-server",
      ";",
      "set-option",
      "-g",
      "status",
      "off",
      ";",
      "new-session",
      "-d",
      "-s",
      "main",
      ...size,
      "sh",
    );
    this.untrack = untilCleanedUp(() => this[Symbol.dispose]());
    return this;
  }

  // Types a line into the pane, as a person would, and presses Enter.
  type(line: string): void {
    this.run("send-keys", "-t", "main", "-l", line);
    this.run("send-keys", "-t", "main", "Enter");
  }

  keys(...keys: string[]): void {
    this.run("send-keys", "-t", "main", ...keys);
  }

  // What the pane shows now, one string per row.
  screen(): string[] {
    return this.run("capture-pane", "-p", "-t", "main").replace(/\n$/, "").split("\n");
  }

  // A tmux format variable of the pane, e.g. alternate_on or cursor_flag.
  pane(variable: string): string {
    return this.run("display-message", "-p", "-t", "main", `#{${variable}}`).trim();
  }

  [Symbol.dispose](): void {
    this.untrack();
    Bun.spawnSync(["tmux", "-L", this.socketName, "kill-server"], { stdio: ["ignore", "ignore", "ignore"] });
  }
}
