import type { ProcessSnapshot } from "../../client/index.ts";

// What `tend top` shows at one moment; render() turns it into lines, keys move it on.
export const SORT_COLUMNS = ["name", "state", "health", "pid", "cpu", "mem", "restarts", "uptime"] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export interface LogView {
  name: string;
  lines: string[];
}

export interface TopState {
  processes: ProcessSnapshot[];
  sort: { column: SortColumn; descending: boolean };
  selected: string | null; // by name, so a refresh that reorders rows keeps the selection
  message: string | null; // the status line: what an action did, or why the last refresh failed
  logs: LogView | null; // the log view of one process, shown instead of the table
  updatedAt: number | null; // epoch ms of the last successful refresh
}

export function initialState(): TopState {
  return {
    processes: [],
    sort: { column: "name", descending: false },
    selected: null,
    message: null,
    logs: null,
    updatedAt: null,
  };
}

function key(p: ProcessSnapshot, column: SortColumn): string | number | null {
  switch (column) {
    case "name":
      return p.name;
    case "state":
      return p.state;
    case "health":
      return p.health;
    case "pid":
      return p.pid;
    case "cpu":
      return p.cpu;
    case "mem":
      return p.memory;
    case "restarts":
      return p.restarts;
    case "uptime":
      return p.uptimeMs;
  }
}

// Rows in display order. Empty cells (no pid, no sample) go last either way; ties go by name.
// Sorted by the chosen column; the copies of a replicated process stay together, in order,
// where the first of them falls.
export function sortedProcesses(s: TopState): ProcessSnapshot[] {
  const rows = sortedByColumn(s);
  const out: ProcessSnapshot[] = [];
  const placed = new Set<string>();
  for (const p of rows) {
    if (p.replicaOf === null) out.push(p);
    else if (!placed.has(p.replicaOf)) {
      placed.add(p.replicaOf);
      const of = p.replicaOf;
      out.push(
        ...rows.filter((c) => c.replicaOf === of).sort((a, b) => (a.instance ?? 0) - (b.instance ?? 0)),
      );
    }
  }
  return out;
}

function sortedByColumn(s: TopState): ProcessSnapshot[] {
  const { column, descending } = s.sort;
  return [...s.processes].sort((a, b) => {
    const ka = key(a, column);
    const kb = key(b, column);
    if (ka === null || kb === null) {
      if (ka !== kb) return ka === null ? 1 : -1;
    } else if (ka !== kb) {
      const order = ka < kb ? -1 : 1;
      return descending ? -order : order;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

// The selected process, falling back to the first row when it is gone (or nothing was selected).
export function selectedProcess(s: TopState): ProcessSnapshot | null {
  const rows = sortedProcesses(s);
  return rows.find((p) => p.name === s.selected) ?? rows[0] ?? null;
}

export function moveSelection(s: TopState, by: number): TopState {
  const rows = sortedProcesses(s);
  if (rows.length === 0) return s;
  const current = rows.findIndex((p) => p.name === selectedProcess(s)?.name);
  const next = Math.min(rows.length - 1, Math.max(0, current + by));
  return { ...s, selected: rows[next]?.name ?? null };
}

// Choosing the sorted column again reverses it; numbers sort descending first (biggest on top).
export function sortBy(s: TopState, column: SortColumn): TopState {
  const descending =
    s.sort.column === column ? !s.sort.descending : !["name", "state", "health"].includes(column);
  return { ...s, sort: { column, descending } };
}
