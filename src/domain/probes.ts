// Probe results as every part of tend speaks about them (ps, status, events, the API).
export type ProbeKind = "startup" | "readiness" | "liveness";

// A probe's verdict after its thresholds: unknown until it has passed or failed enough times.
export type ProbeStatus = "unknown" | "passing" | "failing";

export interface ProbeResult {
  ok: boolean;
  message: string; // "HTTP 200", "connection refused", "exit 1: not ready"
  latencyMs: number;
  at: number; // epoch ms when the check finished
}

// The latest probe result of a process, for `tend ps`: its readiness probe's when it has one.
export interface LastProbe extends ProbeResult {
  kind: ProbeKind;
}

// How late scheduled checks started, over a recent window (`GET /v1/debug/probe-schedule`).
export interface ProbeScheduleReport {
  checks: number; // started on schedule since the supervisor started
  windowMs: number | null;
  samples: number;
  medianMs: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

// What `tend status` shows about one probe.
export interface ProbeReport {
  kind: ProbeKind;
  check: string; // "http GET http://127.0.0.1:3000/health"
  status: ProbeStatus;
  active: boolean; // checking now (a startup probe stops once passed; the others wait for it)
  successes: number; // in a row
  failures: number; // in a row
  last: ProbeResult | null;
}
