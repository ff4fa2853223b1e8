import { PROCESS_STATES, type ProcessSnapshot } from "../domain/types.ts";
import type { Family } from "./prometheus.ts";
import type { ProcessMetrics } from "./sampler.ts";

export interface MetricsInput {
  processes: ProcessSnapshot[];
  usage: (name: string) => ProcessMetrics | null;
  probeFailures: (name: string) => Record<string, number>; // probe kind → failures so far
  supervisor: { uptimeMs: number; rssBytes: number };
}

const HEALTH = ["unknown", "healthy", "unhealthy"] as const;

// Every family tend exposes on /metrics, built from one snapshot of the supervisor.
export function metricFamilies(input: MetricsInput): Family[] {
  const per = (fn: (p: ProcessSnapshot, u: ProcessMetrics | null) => number | null) =>
    input.processes.flatMap((p) => {
      const v = fn(p, input.usage(p.name));
      return v === null ? [] : [{ labels: { process: p.name }, value: v }];
    });
  return [
    {
      name: "tend_process_state",
      type: "gauge",
      help: "1 for the state the process is in, 0 for the others.",
      samples: input.processes.flatMap((p) =>
        PROCESS_STATES.map((s) => ({ labels: { process: p.name, state: s }, value: p.state === s ? 1 : 0 })),
      ),
    },
    {
      name: "tend_process_health",
      type: "gauge",
      help: "1 for the health the process has, 0 for the others.",
      samples: input.processes.flatMap((p) =>
        HEALTH.map((h) => ({ labels: { process: p.name, health: h }, value: p.health === h ? 1 : 0 })),
      ),
    },
    {
      name: "tend_process_restarts_total",
      type: "counter",
      help: "Restarts since the supervisor started.",
      samples: per((p) => p.restarts),
    },
    {
      name: "tend_process_probe_failures_total",
      type: "counter",
      help: "Failed probe checks since the supervisor started, by probe.",
      samples: input.processes.flatMap((p) =>
        Object.entries(input.probeFailures(p.name)).map(([probe, n]) => ({
          labels: { process: p.name, probe },
          value: n,
        })),
      ),
    },
    {
      name: "tend_process_uptime_seconds",
      type: "gauge",
      help: "Seconds since the current run started.",
      samples: per((p) => (p.uptimeMs === null ? null : p.uptimeMs / 1000)),
    },
    {
      name: "tend_process_cpu_percent",
      type: "gauge",
      help: "CPU use of the whole process tree over the last sampling interval, in percent of one core.",
      samples: per((_, u) => u?.cpuPercent ?? null),
    },
    {
      name: "tend_process_resident_memory_bytes",
      type: "gauge",
      help: "Resident memory of the whole process tree.",
      samples: per((_, u) => u?.rssBytes ?? null),
    },
    {
      name: "tend_process_open_fds",
      type: "gauge",
      help: "Open file descriptors of the whole process tree.",
      samples: per((_, u) => u?.fds ?? null),
    },
    {
      name: "tend_process_threads",
      type: "gauge",
      help: "Threads of the whole process tree.",
      samples: per((_, u) => u?.threads ?? null),
    },
    {
      name: "tend_supervisor_uptime_seconds",
      type: "gauge",
      help: "Seconds since the supervisor started.",
      samples: [{ labels: {}, value: input.supervisor.uptimeMs / 1000 }],
    },
    {
      name: "tend_supervisor_resident_memory_bytes",
      type: "gauge",
      help: "Resident memory of the supervisor itself.",
      samples: [{ labels: {}, value: input.supervisor.rssBytes }],
    },
  ];
}
