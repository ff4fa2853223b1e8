import { readFileSync } from "node:fs";

// INI as supervisord reads it (Python's ConfigParser): `[section]` headers, `key = value` or
// `key: value` (keys lowercased), whole-line comments starting with ";" or "#", an inline ";"
// or "#" only after whitespace, and indented lines continuing the value above.
export interface IniSection {
  name: string;
  file: string; // the file it was read from (for %(here)s and messages)
  line: number;
  values: Map<string, { value: string; line: number }>;
}

export class IniError extends Error {}

export function parseIni(text: string, file: string): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | null = null;
  let last: { value: string; line: number } | null = null;
  let lastKey: string | null = null;
  for (const [i, raw] of text.split("\n").entries()) {
    const n = i + 1;
    const line = raw.replace(/\r$/, "");
    if (/^\s*$/.test(line)) {
      last = null;
      continue;
    }
    if (/^\s*[;#]/.test(line)) continue; // a comment, indented or not
    if (/^\s/.test(line) && last && current && lastKey) {
      // A continuation line: part of the value above, on a new line.
      last.value = `${last.value}\n${stripInline(line).trim()}`;
      continue;
    }
    const header = /^\[([^\]]+)\]\s*(?:[;#].*)?$/.exec(line);
    if (header) {
      current = { name: (header[1] as string).trim(), file, line: n, values: new Map() };
      sections.push(current);
      last = null;
      continue;
    }
    const kv = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) throw new IniError(`${file}:${n}: not "key = value" or a [section]: ${line.trim()}`);
    if (current === null) throw new IniError(`${file}:${n}: "${line.trim()}" comes before any [section]`);
    lastKey = (kv[1] as string).toLowerCase();
    last = { value: stripInline(kv[2] as string).trim(), line: n };
    current.values.set(lastKey, last);
  }
  return sections;
}

// "value ; comment" and "value # comment" are "value" (supervisord's inline comment prefixes,
// after whitespace); "a;b" and "a#b" stay.
function stripInline(text: string): string {
  const m = /\s[;#]/.exec(text);
  return m ? text.slice(0, m.index) : text;
}

export function readIni(path: string): IniSection[] {
  return parseIni(readFileSync(path, "utf8"), path);
}
