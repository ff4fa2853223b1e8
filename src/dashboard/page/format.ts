// Text and small pictures the page is made of: escaping, sizes, durations, sparklines.
export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function bytes(n: number | null): string {
  if (n === null) return "-";
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)}${units[i]}`;
}

export function duration(ms: number | null): string {
  if (ms === null) return "-";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

// A sparkline of one process's samples: an SVG polyline scaled to its own largest value.
export function sparkline(values: (number | null)[]): string {
  const pts = values.map((v, i) => [i, v ?? 0] as const);
  if (pts.length < 2) return '<svg class="spark" viewBox="0 0 60 16"></svg>';
  const max = Math.max(...pts.map(([, v]) => v), 1e-9);
  const step = 60 / (pts.length - 1);
  const line = pts.map(([i, v]) => `${(i * step).toFixed(1)},${(15 - (v / max) * 14).toFixed(1)}`).join(" ");
  return `<svg class="spark" viewBox="0 0 60 16"><polyline points="${line}"/></svg>`;
}
