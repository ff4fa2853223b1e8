import { type ConfigIssue, formatPath } from "./issues.ts";

// The dependency graph (depends_on) as pure functions: the checks at load time (unknown names,
// cycles) and who depends on whom (a shutdown stops dependents first).
export type DependencyGraph = ReadonlyMap<string, readonly string[]>; // name → what it depends on

export function unknownDependencies(graph: DependencyGraph): { process: string; dependency: string }[] {
  const out: { process: string; dependency: string }[] = [];
  for (const [name, deps] of graph)
    for (const d of deps) if (!graph.has(d)) out.push({ process: name, dependency: d });
  return out;
}

// Every cycle, each once, as the path that closes it: ["a", "b", "a"]. Edges to unknown names
// are ignored (they are reported on their own). Found by depth-first search over back edges.
export function findCycles(graph: DependencyGraph): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, "open");
    path.push(name);
    for (const d of graph.get(name) ?? []) {
      if (!graph.has(d)) continue;
      const s = state.get(d);
      if (s === "open") {
        const cycle = [...path.slice(path.indexOf(d)), d];
        const key = canonical(cycle);
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) visit(d);
    }
    path.pop();
    state.set(name, "done");
  };
  for (const name of [...graph.keys()].sort()) if (!state.has(name)) visit(name);
  return cycles;
}

// The same cycle entered at another node is the same cycle.
function canonical(cycle: string[]): string {
  const ring = cycle.slice(0, -1);
  const start = ring.indexOf([...ring].sort()[0] as string);
  return [...ring.slice(start), ...ring.slice(0, start)].join(" ");
}

export function formatCycle(cycle: string[]): string {
  return cycle.join(" → ");
}

// name → the processes that depend on it.
export function dependentsOf(graph: DependencyGraph): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of graph.keys()) out.set(name, []);
  for (const [name, deps] of graph) for (const d of deps) out.get(d)?.push(name);
  return out;
}

// The config errors of a whole [processes] table as written: every unknown name and every
// cycle. Reads the raw data, so they are reported together with the schema's own errors.
export function dependencyIssues(data: unknown): ConfigIssue[] {
  const processes = (data as { processes?: unknown } | null)?.processes;
  if (processes === null || typeof processes !== "object") return [];
  const graph = new Map<string, string[]>();
  for (const [name, p] of Object.entries(processes as Record<string, unknown>)) {
    const deps = (p as { depends_on?: unknown } | null)?.depends_on;
    graph.set(name, deps !== null && typeof deps === "object" ? Object.keys(deps) : []);
  }
  const issues: ConfigIssue[] = unknownDependencies(graph).map(({ process, dependency }) => ({
    path: formatPath(["processes", process, "depends_on", dependency]),
    message: `no process named "${dependency}"`,
  }));
  // A replicated process has no one exit: "completed" and "succeeded" cannot mean anything.
  for (const [name, p] of Object.entries(processes as Record<string, unknown>)) {
    const deps = (p as { depends_on?: unknown } | null)?.depends_on;
    if (deps === null || typeof deps !== "object") continue;
    for (const [dep, condition] of Object.entries(deps as Record<string, unknown>)) {
      const target = (processes as Record<string, { instances?: unknown } | null>)[dep];
      if (target?.instances === undefined || (condition !== "completed" && condition !== "succeeded"))
        continue;
      issues.push({
        path: formatPath(["processes", name, "depends_on", dep]),
        message: `${dep} is replicated (instances): only "started" or "healthy" (every replica) can be waited for`,
      });
    }
  }
  for (const cycle of findCycles(graph)) {
    issues.push({
      path: formatPath(["processes", cycle[0] as string, "depends_on"]),
      message: `dependency cycle: ${formatCycle(cycle)}`,
    });
  }
  return issues;
}
