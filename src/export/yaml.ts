// JSON-shaped values as block YAML that every reader takes the same way. Kubernetes tools read
// YAML 1.1, where unquoted 2001-01-01, 1_000, yes or 017 are not strings; so every string is
// written double-quoted (a JSON string is a valid YAML double-quoted scalar) and a key only
// plain when it cannot be taken for anything else.
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const RESERVED = /^(y|yes|n|no|true|false|on|off|null)$/i;

export function yamlDocument(value: unknown): string {
  return `${lines(JSON.parse(JSON.stringify(value)) as Json, "").join("\n")}\n`;
}

function key(k: string): string {
  return PLAIN_KEY.test(k) && !RESERVED.test(k) ? k : quoted(k);
}

// A JSON string leaves DEL, the C1 controls (NEL is a line break to YAML 1.1), the line and
// paragraph separators and the BOM as they are; YAML readers refuse or fold them: escaped.
function quoted(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function scalar(v: Json): string | null {
  if (v === null) return "null";
  if (typeof v === "string") return quoted(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "[]" : null;
  return Object.keys(v).length === 0 ? "{}" : null;
}

function lines(v: Json, indent: string): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = scalar(item);
      if (s !== null) out.push(`${indent}- ${s}`);
      else {
        const [first, ...rest] = lines(item, `${indent}  `);
        out.push(`${indent}- ${(first as string).trimStart()}`, ...rest);
      }
    }
    return out;
  }
  for (const [k, item] of Object.entries(v as Record<string, Json>)) {
    const s = scalar(item);
    if (s !== null) out.push(`${indent}${key(k)}: ${s}`);
    else out.push(`${indent}${key(k)}:`, ...lines(item, `${indent}  `));
  }
  return out;
}
