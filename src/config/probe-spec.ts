import type { ProbeKind } from "../domain/probes.ts";

// "200-299" or 204 → [low, high]; null when it is not a status.
export function parseStatusRange(v: number | string): [number, number] | null {
  if (typeof v === "number") return Number.isInteger(v) && v >= 100 && v <= 599 ? [v, v] : null;
  const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(v);
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  return lo >= 100 && hi <= 599 && lo <= hi ? [lo, hi] : null;
}

// A probe as the supervisor runs it: resolved, with units in the names.
export const PROBE_KINDS: readonly ProbeKind[] = ["startup", "readiness", "liveness"];

export type ProbeCheckSpec =
  | {
      type: "http";
      url: string;
      method: string;
      headers: Record<string, string>;
      expectStatus: [number, number][]; // inclusive ranges
    }
  | { type: "tcp"; host: string; port: number }
  | { type: "exec"; argv: string[] }
  | { type: "log"; pattern: string };

export interface ProbeSpec {
  check: ProbeCheckSpec;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export type ProcessProbes = Record<ProbeKind, ProbeSpec | null>;

// The parsed shape of one probe table (what probe-schema.ts produces).
export interface ParsedProbe {
  type: "http" | "tcp" | "exec" | "log";
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  expect_status?: number | string | (number | string)[];
  host?: string;
  port?: number;
  command?: string | string[];
  pattern?: string;
  initial_delay: number;
  interval: number;
  timeout: number;
  success_threshold: number;
  failure_threshold: number;
}

const DEFAULT_STATUS: [number, number][] = [[200, 399]];

export function toProbeSpec(p: ParsedProbe): ProbeSpec {
  return {
    check: toCheck(p),
    initialDelayMs: p.initial_delay,
    periodMs: p.interval,
    timeoutMs: p.timeout,
    successThreshold: p.success_threshold,
    failureThreshold: p.failure_threshold,
  };
}

function toCheck(p: ParsedProbe): ProbeCheckSpec {
  switch (p.type) {
    case "http": {
      const items = p.expect_status === undefined ? [] : [p.expect_status].flat();
      const ranges = items.map(parseStatusRange).filter((r) => r !== null);
      return {
        type: "http",
        url: p.url ?? "",
        method: p.method ?? "GET",
        headers: p.headers ?? {},
        expectStatus: ranges.length ? ranges : DEFAULT_STATUS,
      };
    }
    case "tcp":
      return { type: "tcp", host: p.host ?? "127.0.0.1", port: p.port ?? 0 };
    case "exec": {
      const c = p.command ?? [];
      return { type: "exec", argv: typeof c === "string" ? ["/bin/sh", "-c", c] : c };
    }
    case "log":
      return { type: "log", pattern: p.pattern ?? "" };
  }
}

// One line for people: "http GET http://127.0.0.1:3000/health", "tcp 127.0.0.1:5432".
export function describeCheck(c: ProbeCheckSpec): string {
  switch (c.type) {
    case "http":
      return `http ${c.method} ${c.url}`;
    case "tcp":
      return `tcp ${c.host}:${c.port}`;
    case "exec":
      return `exec ${c.argv.join(" ")}`;
    case "log":
      return `log /${c.pattern}/`;
  }
}
