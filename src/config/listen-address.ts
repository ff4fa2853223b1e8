// metrics_listen, dashboard_listen: "127.0.0.1:9464", "[::1]:9464" or ":9464" (every address).
export interface ListenAddress {
  hostname: string;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) return null;
  return { hostname: m[1] ?? (m[2] || "0.0.0.0"), port };
}

// An address only this host can reach: 127.0.0.0/8, ::1, localhost.
export function isLoopback(hostname: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "::1" || hostname === "localhost";
}
