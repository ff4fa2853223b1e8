import { SORT_COLUMNS, type SortColumn } from "./model.ts";

export type TopAction =
  | { kind: "quit" }
  | { kind: "move"; by: number }
  | { kind: "sort"; column: SortColumn }
  | { kind: "control"; verb: "start" | "stop" | "restart" }
  | { kind: "logs" }
  | { kind: "back" };

// Escape sequences a terminal sends for keys, longest first so "\x1b[A" is not read as Esc.
const SEQUENCES: [string, TopAction][] = [
  ["\x1b[A", { kind: "move", by: -1 }],
  ["\x1bOA", { kind: "move", by: -1 }],
  ["\x1b[B", { kind: "move", by: 1 }],
  ["\x1bOB", { kind: "move", by: 1 }],
  ["\x1b[5~", { kind: "move", by: -10 }],
  ["\x1b[6~", { kind: "move", by: 10 }],
  ["\x1b", { kind: "back" }],
];

const SINGLE: Record<string, TopAction> = {
  q: { kind: "quit" },
  Q: { kind: "quit" },
  "\x03": { kind: "quit" }, // Ctrl-C: in raw mode it arrives as a byte, not as SIGINT
  "\x04": { kind: "quit" }, // Ctrl-D
  k: { kind: "move", by: -1 },
  j: { kind: "move", by: 1 },
  s: { kind: "control", verb: "start" },
  x: { kind: "control", verb: "stop" },
  r: { kind: "control", verb: "restart" },
  l: { kind: "logs" },
  "\r": { kind: "logs" },
};

// One chunk read from the terminal may hold several keys (typed fast, or pasted).
export function parseKeys(chunk: string): TopAction[] {
  const out: TopAction[] = [];
  let i = 0;
  while (i < chunk.length) {
    const seq = SEQUENCES.find(([s]) => chunk.startsWith(s, i));
    if (seq) {
      out.push(seq[1]);
      i += seq[0].length;
      continue;
    }
    const ch = chunk[i] as string;
    const digit = ch >= "1" && ch <= "9" ? SORT_COLUMNS[Number(ch) - 1] : undefined;
    if (digit) out.push({ kind: "sort", column: digit });
    else if (SINGLE[ch]) out.push(SINGLE[ch]);
    i++;
  }
  return out;
}
