import type { ProcessSnapshot } from "../../api/surface.gen.ts";
import { esc } from "./format.ts";

// The dependency graph: processes in layers (a process one layer right of what it depends on),
// an arrow for each dependency, labelled with its condition.
export function graph(
  processes: ProcessSnapshot[],
  dependsOn: Map<string, { name: string; condition: string }[]>,
): string {
  const names = processes.map((p) => p.replicaOf ?? p.name).filter((n, i, all) => all.indexOf(n) === i);
  const deps = (n: string) => dependsOn.get(n) ?? [];
  if (!names.some((n) => deps(n).length)) return '<p class="muted">No dependencies.</p>';
  const depth = new Map<string, number>();
  const depthOf = (n: string, trail: string[] = []): number => {
    if (depth.has(n)) return depth.get(n) as number;
    if (trail.includes(n)) return 0;
    const d = Math.max(-1, ...deps(n).map((x) => depthOf(x.name, [...trail, n]))) + 1;
    depth.set(n, d);
    return d;
  };
  for (const n of names) depthOf(n);
  const layers: string[][] = [];
  for (const n of names) {
    const d = depth.get(n) ?? 0;
    layers[d] = [...(layers[d] ?? []), n];
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [i, layer] of layers.entries())
    for (const [j, n] of (layer ?? []).entries()) pos.set(n, { x: 20 + i * 170, y: 24 + j * 40 });
  const width = 40 + layers.length * 170;
  const height = 20 + Math.max(...layers.map((l) => l.length)) * 40;
  const stateOf = (n: string) => processes.find((p) => p.name === n || p.replicaOf === n)?.state ?? "stopped";
  const edges = names.flatMap((n) =>
    deps(n).map((dep) => {
      const a = pos.get(dep.name);
      const b = pos.get(n);
      if (!a || !b) return "";
      return `<line x1="${a.x + 120}" y1="${a.y}" x2="${b.x}" y2="${b.y}" marker-end="url(#arrow)"/><text class="cond" x="${a.x + 124}" y="${(a.y + b.y) / 2 - 4}">${esc(dep.condition)}</text>`;
    }),
  );
  const nodes = names.map((n) => {
    const p = pos.get(n) as { x: number; y: number };
    return `<g class="node st-${stateOf(n)}" data-node="${esc(n)}"><rect x="${p.x}" y="${p.y - 12}" width="120" height="24" rx="4"/><text x="${p.x + 8}" y="${p.y + 4}">${esc(n)}</text></g>`;
  });
  return `<svg id="graph" width="${width}" height="${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>${edges.join("")}${nodes.join("")}</svg>`;
}
