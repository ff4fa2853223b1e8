// A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on the
// first line that is not valid, naming the line, instead of skipping what it does not understand.
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string | null;
  type: string | null;
  samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families = new Map<string, PromFamily>();
  const closed = new Set<string>(); // families whose samples ended: they may not come back
  let current: string | null = null;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: null, type: null, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const enter = (name: string, n: number) => {
    if (current === name) return;
    if (current !== null) closed.add(current);
    if (closed.has(name)) throw new Error(`line ${n}: family ${name} appears again after other families`);
    current = name;
  };
  text
    .slice(0, -1)
    .split("\n")
    .forEach((line, i) => {
      const n = i + 1;
      if (line === "") throw new Error(`line ${n}: empty line`);
      if (line.startsWith("#")) {
        const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!m) return; // a plain comment
        const [, kind, name = "", rest = ""] = m;
        if (!METRIC_NAME.test(name)) throw new Error(`line ${n}: bad metric name ${JSON.stringify(name)}`);
        enter(name, n);
        const f = family(name);
        if (f.samples.length) throw new Error(`line ${n}: ${kind} for ${name} after its samples`);
        if (kind === "HELP") {
          if (f.help !== null) throw new Error(`line ${n}: second HELP for ${name}`);
          if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`line ${n}: bad escape in HELP`);
          f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
        } else {
          if (f.type !== null) throw new Error(`line ${n}: second TYPE for ${name}`);
          if (!TYPES.has(rest)) throw new Error(`line ${n}: unknown type ${JSON.stringify(rest)}`);
          f.type = rest;
        }
        return;
      }
      const s = parseSample(line, n);
      const owner = familyOf(s.name, families);
      enter(owner, n);
      family(owner).samples.push(s);
    });
  return families;
}

// The family a sample belongs to: itself, or a histogram/summary whose suffix it carries.
function familyOf(name: string, families: Map<string, PromFamily>): string {
  for (const [base, f] of families) {
    for (const suffix of SUFFIXES[f.type ?? ""] ?? []) if (name === base + suffix) return base;
  }
  return name;
}

function parseSample(line: string, n: number): PromSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`line ${n}: expected a metric name: ${line}`);
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    while (line[i] !== "}") {
      const ln = /^[^=]*/.exec(line.slice(i))?.[0] ?? "";
      if (!LABEL_NAME.test(ln)) throw new Error(`line ${n}: bad label name ${JSON.stringify(ln)}`);
      if (ln in labels) throw new Error(`line ${n}: label ${ln} twice`);
      i += ln.length;
      if (line.slice(i, i + 2) !== '="') throw new Error(`line ${n}: expected =" after ${ln}`);
      i += 2;
      let value = "";
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`line ${n}: unterminated label value`);
        i++;
        if (c === '"') break;
        if (c === "\\") {
          const e = line[i++];
          if (e === "\\") value += "\\";
          else if (e === '"') value += '"';
          else if (e === "n") value += "\n";
          else throw new Error(`line ${n}: bad escape \\${e} in label value`);
        } else value += c;
      }
      labels[ln] = value;
      if (line[i] === ",") i++;
      else if (line[i] !== "}") throw new Error(`line ${n}: expected , or } after a label`);
    }
    i++;
  }
  const rest = line.slice(i);
  const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!m || !FLOAT.test(m[1] ?? "")) throw new Error(`line ${n}: bad value ${JSON.stringify(rest)}`);
  const text = m[1] as string;
  const value = text.endsWith("Inf") ? (text.startsWith("-") ? -Infinity : Infinity) : Number(text);
  return { name, labels, value };
}
