import { CliError, EXIT } from "./cli-error.ts";

// The CLI's only way to the supervisor: JSON over HTTP on the unix socket.
export interface ApiError {
  code: string;
  message: string;
  details?: unknown;
}

export class Client {
  constructor(readonly socketPath: string) {}

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
        `tend: cannot reach the supervisor at ${this.socketPath}: ${(err as Error).message}\n` +
          "Is `tend up` running? Set TEND_SOCKET or pass --socket / -c to point at its socket.",
        EXIT.unreachable,
      );
    }
  }

  // Server-sent events as {event, data} pairs until the stream ends.
  async *stream(path: string, signal?: AbortSignal): AsyncGenerator<{ event: string; data: unknown }> {
    const res = await this.raw("GET", path, undefined, signal);
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error: ApiError }).error.message;
      } catch {}
      throw new CliError(`tend: ${message}`, EXIT.failed);
    }
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body) {
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
        if (data) yield { event, data: JSON.parse(data) as unknown };
        sep = buf.indexOf("\n\n");
      }
    }
  }
}
