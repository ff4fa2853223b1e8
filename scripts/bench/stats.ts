// Summary statistics the same way ../shared/bench-peers computes them, so figures compare.
export interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

// Median (mean of the two middle values for an even n) and nearest-rank p95.
export function summarize(samples: number[]): Stats | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const mid = Math.floor(n / 2);
  const median = n % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const p95 = s[Math.max(0, Math.ceil(0.95 * n) - 1)]!;
  return { n, median, p95, min: s[0]!, max: s[n - 1]! };
}

// Three significant figures: 1.23, 12.3, 123.
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "—";
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

export function fmtMs(s: Stats): string {
  return `${fmt(s.median)} ms median, ${fmt(s.p95)} ms p95 (n=${s.n})`;
}
