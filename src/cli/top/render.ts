import type { ProcessSnapshot } from "../../client/index.ts";
import { formatBytes, formatDuration } from "../../config/units.ts";
import { type SortColumn, selectedProcess, sortedProcesses, type TopState } from "./model.ts";

// Plain ANSI only (reverse video for the header and the selection), so it works over any ssh.
const REVERSE = "\x1b[7m";
const RESET = "\x1b[0m";
// A log line's own escape codes and tabs would move the cursor; each becomes one space.
const CONTROL = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(31)}${String.fromCharCode(127)}]`,
  "g",
);

interface Column {
  id: SortColumn;
  title: string;
  width: number; // 0: takes what is left (the name)
  right?: boolean;
  cell(p: ProcessSnapshot): string;
}

const COLUMNS: Column[] = [
  { id: "name", title: "NAME", width: 0, cell: (p) => p.name },
  { id: "state", title: "STATE", width: 9, cell: (p) => p.state },
  { id: "health", title: "HEALTH", width: 9, cell: (p) => p.health },
  { id: "pid", title: "PID", width: 7, right: true, cell: (p) => (p.pid === null ? "-" : String(p.pid)) },
  {
    id: "cpu",
    title: "CPU",
    width: 6,
    right: true,
    cell: (p) => (p.cpu === null ? "-" : `${p.cpu.toFixed(1)}%`),
  },
  {
    id: "mem",
    title: "MEM",
    width: 9,
    right: true,
    cell: (p) => (p.memory === null ? "-" : formatBytes(p.memory)),
  },
  { id: "restarts", title: "RESTARTS", width: 8, right: true, cell: (p) => String(p.restarts) },
  {
    id: "uptime",
    title: "UPTIME",
    width: 7,
    right: true,
    cell: (p) => (p.uptimeMs === null ? "-" : formatDuration(p.uptimeMs)),
  },
];

const MIN_NAME = 8;
const FIXED = COLUMNS.reduce((n, c) => n + c.width + 1, 0); // widths plus one space after each

export const HELP = "↑↓/jk select  1-8 sort  s start  x stop  r restart  l logs  q quit";
const LOG_HELP = "l/esc back to the table  q quit";

// Cuts to `width` characters; a cut cell ends in "…" so nobody mistakes it for the whole value.
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, width - 1).join("")}…`;
}

function pad(text: string, width: number, right = false): string {
  const t = fit(text, width);
  const gap = " ".repeat(Math.max(0, width - [...t].length));
  return right ? gap + t : t + gap;
}

function row(cells: (c: Column) => string, nameWidth: number, width: number): string {
  const line = COLUMNS.map((c) => pad(cells(c), c.width || nameWidth, c.right)).join(" ");
  return pad(line, width);
}

// The whole screen as exactly `height` lines of exactly `width` characters (before ANSI codes).
export function render(s: TopState, width: number, height: number): string[] {
  const out: string[] = [];
  const when = s.updatedAt === null ? "connecting…" : new Date(s.updatedAt).toISOString().slice(11, 19);
  out.push(pad(`tend top — ${s.processes.length} processes — ${when}`, width));
  if (s.logs) {
    out.push(REVERSE + pad(`logs of ${s.logs.name}`, width) + RESET);
    const room = Math.max(0, height - 4);
    for (const l of s.logs.lines.slice(-room)) out.push(pad(l.replace(CONTROL, " "), width));
  } else {
    const nameWidth = Math.max(MIN_NAME, width - FIXED);
    const arrow = s.sort.descending ? "↓" : "↑";
    const header = row((c) => (c.id === s.sort.column ? `${c.title}${arrow}` : c.title), nameWidth, width);
    out.push(REVERSE + pad(header, width) + RESET);
    const rows = sortedProcesses(s);
    const selected = selectedProcess(s)?.name;
    const room = Math.max(0, height - 4);
    // Keep the selected row on screen: scroll so it is the last visible one when needed.
    const index = rows.findIndex((p) => p.name === selected);
    const first = Math.max(0, index - room + 1);
    for (const p of rows.slice(first, first + room)) {
      const line = row((c) => c.cell(p), nameWidth, width);
      out.push(p.name === selected ? REVERSE + line + RESET : line);
    }
  }
  while (out.length < height - 2) out.push(" ".repeat(Math.max(0, width)));
  out.push(pad(s.message ?? "", width));
  out.push(pad(s.logs ? LOG_HELP : HELP, width));
  return out.slice(0, Math.max(0, height));
}
