// A server-sent events response fed by `start`, which receives a send function and returns a
// cleanup. A comment every 5 s keeps a quiet stream (a `tend wait` on a slow start, logs -f of a
// silent process) from the server's idle timeout (Bun's default: 10 s) and from proxies'.
export const KEEP_ALIVE_MS = 5_000;

// Every stream still open, so a shutdown can end each with an "end" event: a follower then
// knows the supervisor stopped on purpose rather than losing its connection.
const open = new Set<(reason: string) => void>();

export function endAllStreams(reason: string): void {
  for (const end of [...open]) end(reason);
}

export function sseResponse(start: (send: (event: string, data: unknown) => void) => () => void): Response {
  let cleanup: (() => void) | null = null;
  let keepAlive: ReturnType<typeof setInterval> | null = null;
  let end: ((reason: string) => void) | null = null;
  const enc = new TextEncoder();
  const stop = () => {
    cleanup?.();
    cleanup = null;
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = null;
    if (end) open.delete(end);
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // A failed enqueue means the client went away: the stream stops, which is all there is to do.
      const write = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
          return true;
        } catch {
          stop();
          return false;
        }
      };
      const send = (event: string, data: unknown) =>
        void write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      end = (reason) => {
        if (write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`)) {
          try {
            controller.close();
          } catch {
            // Already closed by the client: nothing more to end.
          }
        }
        stop();
      };
      open.add(end);
      cleanup = start(send);
      keepAlive = setInterval(() => void write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}
