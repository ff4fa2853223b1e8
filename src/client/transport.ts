// HTTP over the supervisor's unix socket, with nothing but what the runtime has: Bun's fetch
// (it speaks to unix sockets, and costs no start-up) under Bun, node:http under Node.js.
export interface Answer {
  status: number;
  contentType: string;
  body: AsyncIterable<Uint8Array>;
}

export interface Call {
  method: string;
  path: string;
  body?: string;
  signal?: AbortSignal;
}

export type Transport = (socketPath: string, call: Call) => Promise<Answer>;

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

const bunTransport: Transport = async (socketPath, call) => {
  const res = await fetch(`http://localhost${call.path}`, {
    method: call.method,
    unix: socketPath,
    headers: call.body === undefined ? undefined : { "content-type": "application/json" },
    body: call.body,
    signal: call.signal,
  } as RequestInit);
  const empty: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    body: res.body ?? empty,
  };
};

const nodeTransport: Transport = async (socketPath, call) => {
  const { request } = await import("node:http");
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: call.path,
        method: call.method,
        headers:
          call.body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(call.body) },
        signal: call.signal,
      },
      (res) =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers["content-type"] ?? ""),
          body: res,
        }),
    );
    req.on("error", reject);
    req.end(call.body);
  });
};

export const transport: Transport = isBun ? bunTransport : nodeTransport;

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

// Server-sent events as {event, data} until the stream ends.
export async function* serverSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of body) {
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

export function pathOf(template: string, name: string, query?: Record<string, unknown>): string {
  let path = template.replace(":name", encodeURIComponent(name));
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  if (qs) path += `?${qs}`;
  return path;
}

// What went wrong reaching the socket, in the operator's words (not the HTTP client's).
export function why(err: unknown): string {
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

export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
