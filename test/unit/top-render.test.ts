import { describe, expect, test } from "bun:test";
import { parseKeys } from "../../src/cli/top/keys.ts";
import {
  initialState,
  moveSelection,
  sortBy,
  sortedProcesses,
  type TopState,
} from "../../src/cli/top/model.ts";
import { HELP, render } from "../../src/cli/top/render.ts";
import type { ProcessSnapshot } from "../../src/domain/types.ts";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const visible = (l: string) => [...l.replace(ANSI, "")].length;

function proc(name: string, over: Partial<ProcessSnapshot> = {}): ProcessSnapshot {
  return {
    name,
    state: "running",
    health: "healthy",
    pid: 100,
    startedAt: 0,
    uptimeMs: 65_000,
    restarts: 0,
    consecutiveRestarts: 0,
    lastExit: null,
    reason: null,
    nextStartInMs: null,
    waitingFor: null,
    lastProbe: null,
    source: "config",
    cpu: 1,
    memory: 1024 * 1024,
    fds: 4,
    threads: 1,
    progress: null,
    replicaOf: null,
    instance: null,
    ...over,
  };
}

const state = (processes: ProcessSnapshot[], over: Partial<TopState> = {}): TopState => ({
  ...initialState(),
  processes,
  updatedAt: 0,
  ...over,
});

const names = (s: TopState) => sortedProcesses(s).map((p) => p.name);

describe("tend top: sorting", () => {
  const list = [
    proc("web", { cpu: 12.5, memory: 300 * 1024 * 1024, restarts: 2, pid: 30 }),
    proc("api", { cpu: 80, memory: 10 * 1024 * 1024, restarts: 0, pid: 20 }),
    proc("job", { state: "stopped", cpu: null, memory: null, pid: null, uptimeMs: null }),
    proc("db", { cpu: 0.5, memory: 900 * 1024 * 1024, restarts: 7, pid: 10 }),
  ];
  test.each([
    ["name", ["api", "db", "job", "web"]],
    ["cpu", ["api", "web", "db", "job"]], // numbers: biggest first, empty cells last
    ["mem", ["db", "web", "api", "job"]],
    ["restarts", ["db", "web", "api", "job"]],
    ["pid", ["web", "api", "db", "job"]],
  ] as const)("by %s", (column, expected) => {
    const s = column === "name" ? state(list) : sortBy(state(list), column);
    expect(names(s)).toEqual([...expected]);
  });

  test("the same column again reverses it; empty cells stay last", () => {
    expect(names(sortBy(sortBy(state(list), "cpu"), "cpu"))).toEqual(["db", "web", "api", "job"]);
    expect(names(sortBy(state(list), "name"))).toEqual(["web", "job", "db", "api"]);
  });

  test("the selection follows the process, not the row, and stops at the ends", () => {
    let s = moveSelection(state(list), 1); // api → db
    expect(s.selected).toBe("db");
    s = sortBy(s, "mem"); // db is now first
    expect(render(s, 80, 24)[2]).toContain("\x1b[7mdb ");
    s = moveSelection(s, -5);
    expect(s.selected).toBe("db");
    s = moveSelection(s, 99);
    expect(s.selected).toBe("job");
  });
});

describe("tend top: rendering", () => {
  test("80x24: every line is exactly 80 columns, long names are cut with …, help at the bottom", () => {
    const long = "a-very-long-process-name-that-does-not-fit.worker-01";
    const lines = render(state([proc(long), proc("db")]), 80, 24);
    expect(lines.length).toBe(24);
    expect(lines.map(visible)).toEqual(Array(24).fill(80));
    const row = lines.find((l) => l.includes("a-very-long")) ?? "";
    expect(row.replace(ANSI, "")).toMatch(
      /^a-very-long-proc… running +healthy +100 +1\.0% +1\.0MiB +0 +1m5s *$/,
    );
    expect(lines[1]).toContain("NAME↑");
    expect(lines[23]?.trimEnd()).toBe(HELP);
  });

  test("a narrow terminal cuts lines instead of wrapping them", () => {
    const lines = render(state([proc("api")]), 40, 10);
    expect({ count: lines.length, widths: [...new Set(lines.map(visible))] }).toEqual({
      count: 10,
      widths: [40],
    });
  });

  test("more processes than rows: the selected row is kept on screen", () => {
    const many = Array.from({ length: 40 }, (_, i) => proc(`p${String(i).padStart(2, "0")}`));
    const lines = render(state(many, { selected: "p35" }), 80, 24);
    expect(lines.some((l) => l.startsWith("\x1b[7mp35 "))).toBe(true);
    expect(lines.length).toBe(24);
  });

  test("the log view shows the last lines that fit, control characters made harmless", () => {
    const logs = { name: "api", lines: Array.from({ length: 50 }, (_, i) => `line ${i}\x1b[2J`) };
    const lines = render(state([proc("api")], { logs }), 80, 24);
    expect(lines[1]).toContain("logs of api");
    expect(lines[21]?.trimEnd()).toBe("line 49 [2J");
    expect(lines.join("")).not.toContain("\x1b[2J");
  });
});

describe("tend top: keys", () => {
  test("arrows, vi keys, digits, actions, and several keys in one chunk", () => {
    expect(parseKeys("\x1b[Ajk\x1b[B3rsxlq\x03\x1b")).toEqual([
      { kind: "move", by: -1 },
      { kind: "move", by: 1 },
      { kind: "move", by: -1 },
      { kind: "move", by: 1 },
      { kind: "sort", column: "health" },
      { kind: "control", verb: "restart" },
      { kind: "control", verb: "start" },
      { kind: "control", verb: "stop" },
      { kind: "logs" },
      { kind: "quit" },
      { kind: "quit" },
      { kind: "back" },
    ]);
  });
});

describe("replicas in tend top", () => {
  test("the copies of a replicated process stay together, in order, where the first of them sorts", () => {
    const copy = (i: number, cpu: number) => proc(`web:${i}`, { replicaOf: "web", instance: i, cpu });
    const state = sortBy(
      {
        ...initialState(),
        processes: [copy(2, 9), proc("api", { cpu: 5 }), copy(0, 1), copy(1, 3), proc("db", { cpu: 2 })],
      },
      "cpu",
    );
    const names = sortedProcesses(state).map((p) => p.name);
    expect(names.filter((n) => n.startsWith("web:"))).toEqual(["web:0", "web:1", "web:2"]);
    const at = names.indexOf("web:0");
    expect(names.slice(at, at + 3)).toEqual(["web:0", "web:1", "web:2"]);
    expect(names).toHaveLength(5);
  });
});
