import { replicaName } from "../config/names.ts";
import type { ProbeSpec } from "../config/probe-spec.ts";
import type { ProcessSpec } from "../config/process-spec.ts";

// instances = N: a process runs as N copies, NAME:0 … NAME:N-1, each a unit of its own. Copy i
// gets TEND_INSTANCE=i and, when the process has a `port`, PORT = port + i, its port checked at
// start, and its probes of that port moved to port + i (a TCP probe's port, an HTTP probe's
// URL), so every copy is probed on its own port.
export function replicaSpecs(spec: ProcessSpec, count: number): ProcessSpec[] {
  return Array.from({ length: count }, (_, i) => replicaSpec(spec, i));
}

function replicaSpec(spec: ProcessSpec, index: number): ProcessSpec {
  const port = spec.port === null ? null : spec.port + index;
  // First in order, so that with expand_env every env value can name them; last in value, so
  // nothing in env overrides them.
  const own: Record<string, string> = {
    TEND_INSTANCE: String(index),
    ...(port === null ? {} : { PORT: String(port) }),
  };
  const env = { ...own, ...spec.env, ...own };
  const moved = (p: ProbeSpec | null) =>
    p && spec.port !== null ? onPort(p, spec.port, spec.port + index) : p;
  return {
    ...spec,
    name: replicaName(spec.name, index),
    env,
    port,
    probes: {
      startup: moved(spec.probes.startup),
      readiness: moved(spec.probes.readiness),
      liveness: moved(spec.probes.liveness),
    },
    replica: { of: spec.name, index },
  };
}

function onPort(p: ProbeSpec, from: number, to: number): ProbeSpec {
  const c = p.check;
  if (c.type === "tcp" && c.port === from) return { ...p, check: { ...c, port: to } };
  if (c.type === "http") {
    const url = new URL(c.url);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    if (port !== from) return p;
    url.port = String(to);
    return { ...p, check: { ...c, url: url.toString() } };
  }
  return p;
}

// The units a list of configured processes becomes: a replicated one as its copies (as many
// as `countOf` says: the config's instances, or a `tend scale` kept since), others as they are.
export function expandReplicas(specs: ProcessSpec[], countOf: (spec: ProcessSpec) => number): ProcessSpec[] {
  return specs.flatMap((s) => (s.instances === null ? [s] : replicaSpecs(s, countOf(s))));
}

// How long a restarted copy has to become ready before a rolling restart stops: its startup
// probe's budget, then enough readiness periods to pass (and to fail) once, plus one timeout.
// Without a readiness probe a copy is ready once it runs.
export function readinessBudgetMs(spec: ProcessSpec): number | null {
  const r = spec.probes.readiness;
  if (!r) return null;
  const s = spec.probes.startup;
  const startup = s ? s.initialDelayMs + s.periodMs * s.failureThreshold + s.timeoutMs : 0;
  return startup + r.initialDelayMs + r.periodMs * (r.successThreshold + r.failureThreshold) + r.timeoutMs;
}
