import { socketProblem } from "../proc/trust.ts";
import { CliError, EXIT } from "./cli-error.ts";

// The CLI's only way to the supervisor: JSON over HTTP on the unix socket.
export interface ApiError {
  code: string;
  message: string;
  details?: unknown;
}

export class Client {
  private checked = false;

  constructor(readonly socketPath: string) {}

  // Before the first request: the socket must be the supervisor's (proc/trust.ts), not one that
  // another user put in its place.
  private trust(): void {
    if (this.checked) return;
    const problem = socketProblem(this.socketPath);
    if (problem) throw new CliError(`tend: refusing the socket: ${problem}`, EXIT.failed);
    this.checked = true;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(
        `tend: unexpected answer from the supervisor (${res.status}): ${text.slice(0, 200)}`,
        EXIT.failed,
      );
    }
    if (!res.ok) {
      const err = (data as { error?: ApiError } | null)?.error;
      throw new CliError(`tend: ${err?.message ?? `request failed with status ${res.status}`}`, EXIT.failed);
    }
    return data as T;
  }

  async raw(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    this.trust();
    try {
      return await fetch(`http://localhost${path}`, {
        method,
        unix: this.socketPath,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new CliError(
        `tend: cannot reach the supervisor at ${this.socketPath}: ${whyUnreachable(err)}\n` +
          "Is `tend up` running? Set TEND_SOCKET or pass --socket / -c to point at its socket.",
        EXIT.unreachable,
      );
    }
  }

  // Server-sent events as {event, data} pairs until the stream ends. The supervisor ends a
  // stream it closes on purpose (shutting down) with an "end" event; a connection cut without
  // one is reported as lost.
  async *stream(path: string, signal?: AbortSignal): AsyncGenerator<{ event: string; data: unknown }> {
    const res = await this.raw("GET", path, undefined, signal);
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error: ApiError }).error.message;
      } catch {
        // Not an API error body: its text is the message.
      }
      throw new CliError(`tend: ${message}`, EXIT.failed);
    }
    const decoder = new TextDecoder();
    let buf = "";
    let ended = false;
    const chunks = res.body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (err) {
        if (signal?.aborted || ended) return;
        throw new CliError(
          `tend: lost the connection to the supervisor at ${this.socketPath}: ${whyUnreachable(err)}`,
          EXIT.failed,
        );
      }
      if (next.done) return;
      const chunk = next.value;
      buf += decoder.decode(chunk, { stream: true });
      let sep = buf.indexOf("\n\n");
      while (sep !== -1) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (event === "end") ended = true;
        if (data) yield { event, data: JSON.parse(data) as unknown };
        sep = buf.indexOf("\n\n");
      }
    }
  }
}

// What went wrong reaching the socket, in the operator's words (not the HTTP client's).
export function whyUnreachable(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no socket there";
    case "ECONNREFUSED":
      return "nothing listens on that socket (a supervisor that stopped may have left it)";
    case "EACCES":
    case "EPERM":
      return "permission denied (run as the supervisor's user, or as a member of its socket_group)";
    case "ECONNRESET":
      return "the supervisor closed the connection";
    default:
      return code ?? (err instanceof Error ? err.message.split(".")[0] : String(err)) ?? "unknown error";
  }
}
