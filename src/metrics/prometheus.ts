// The Prometheus text exposition format (version 0.0.4): one HELP and one TYPE line per
// family, then its samples. Label values escape backslash, double quote and newline.
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: "gauge" | "counter";
  help: string;
  samples: Sample[];
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

export function renderFamilies(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      out.push(`${f.name}${labels ? `{${labels}}` : ""} ${formatValue(s.value)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
