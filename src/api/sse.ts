// A server-sent events response fed by `start`, which receives a send function and returns a
// cleanup. Comments every 15 s keep idle connections (and proxies) from timing out.
export function sseResponse(start: (send: (event: string, data: unknown) => void) => () => void): Response {
  let cleanup: (() => void) | null = null;
  let keepAlive: ReturnType<typeof setInterval> | null = null;
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: string, data: unknown) => {
        try {
          controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          stop();
        }
      };
      const stop = () => {
        cleanup?.();
        cleanup = null;
        if (keepAlive) clearInterval(keepAlive);
        keepAlive = null;
      };
      cleanup = start(send);
      keepAlive = setInterval(() => {
        try {
          controller.enqueue(enc.encode(": keep-alive\n\n"));
        } catch {
          stop();
        }
      }, 15_000);
    },
    cancel() {
      cleanup?.();
      cleanup = null;
      if (keepAlive) clearInterval(keepAlive);
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}
