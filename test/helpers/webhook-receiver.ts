// A local HTTP receiver for alert webhooks: records every POST (monotonic arrival time and JSON
// body) and answers with `status`. `await using` stops it.
export interface Received {
  atMs: number; // performance.now() on arrival
  body: Record<string, unknown>;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly server: ReturnType<typeof Bun.serve>;

  constructor(status = 200) {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req) => {
        const atMs = performance.now();
        const body = (await req.json().catch(() => ({}))) as Record<string, unknown>;
        this.received.push({ atMs, body });
        return new Response(status === 200 ? "ok" : "no", { status });
      },
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}/hook`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.server.stop(true);
  }
}

// A URL nothing listens on: a port the OS handed out and that was closed again at once.
export async function closedPortUrl(): Promise<string> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = s.port;
  await s.stop(true);
  return `http://127.0.0.1:${port}/hook`;
}
