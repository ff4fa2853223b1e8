// A TCP port nothing listens on right now: bound on port 0 (the kernel picks), then released.
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
