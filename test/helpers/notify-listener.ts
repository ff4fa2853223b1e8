import { join } from "node:path";
import { FIXTURES } from "./daemon.ts";
import { waitFor } from "./wait.ts";

export interface Datagram {
  usec: number; // CLOCK_MONOTONIC µs when it arrived
  text: string;
  fields: Record<string, string>;
}

type Subprocess = ReturnType<typeof Bun.spawn>;

// systemd's side of sd_notify for tests: a datagram socket (fixtures/notify-listener.py, since
// Bun has no datagram unix sockets) whose every message is collected in order of arrival.
export class NotifyListener {
  readonly messages: Datagram[] = [];
  private stdoutDone: Promise<void> = Promise.resolve();

  private constructor(
    readonly address: string,
    private readonly proc: Subprocess,
  ) {}

  // `address`: a socket path, or "@name" for the abstract namespace.
  static async start(address: string): Promise<NotifyListener> {
    const proc = Bun.spawn(["python3", join(FIXTURES, "notify-listener.py"), address], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const l = new NotifyListener(address, proc);
    let ready: () => void = () => {};
    const isReady = new Promise<void>((r) => {
      ready = r;
    });
    l.stdoutDone = (async () => {
      let buf = "";
      for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
        buf += new TextDecoder().decode(chunk);
        for (let nl = buf.indexOf("\n"); nl !== -1; nl = buf.indexOf("\n")) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === "ready") ready();
          else l.messages.push(parseLine(line));
        }
      }
    })();
    // The fixture reports readiness once bound, before the test points anything at it.
    await Promise.race([
      isReady,
      proc.exited.then((code) => {
        throw new Error(`notify-listener.py exited ${code} before binding ${address}`);
      }),
    ]);
    return l;
  }

  // Indices of messages carrying KEY=VALUE (or KEY with any value when value is omitted).
  indexesOf(key: string, value?: string): number[] {
    const out: number[] = [];
    this.messages.forEach((m, i) => {
      if (key in m.fields && (value === undefined || m.fields[key] === value)) out.push(i);
    });
    return out;
  }

  // Waits until `count` messages carry KEY=VALUE; a timeout lists what did arrive.
  async waitForField(key: string, value: string, count = 1, timeoutMs = 10_000): Promise<Datagram[]> {
    return waitFor(
      `${count} notify message(s) with ${key}=${value} on ${this.address}`,
      () => {
        const hits = this.indexesOf(key, value).map((i) => this.messages[i] as Datagram);
        if (hits.length >= count) return hits;
        throw new Error(JSON.stringify(this.messages.map((m) => m.text)));
      },
      { timeoutMs },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.proc.kill("SIGKILL");
    await this.proc.exited;
    await this.stdoutDone;
  }
}

function parseLine(line: string): Datagram {
  const { usec, text } = JSON.parse(line) as { usec: number; text: string };
  const fields: Record<string, string> = {};
  for (const kv of text.split("\n")) {
    const eq = kv.indexOf("=");
    if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { usec, text, fields };
}
