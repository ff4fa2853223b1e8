import { describe, expect, test } from "bun:test";
import {
  dependencyIssues,
  dependentsOf,
  findCycles,
  unknownDependencies,
} from "../../src/config/dependency-graph.ts";
import type { DependencyCondition } from "../../src/config/process-spec.ts";
import type { Health, ProcessState } from "../../src/domain/types.ts";
import {
  type ConditionVerdict,
  type DependencyView,
  evaluateCondition,
  evaluateDependencies,
} from "../../src/supervisor/dependencies.ts";

const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe("the graph", () => {
  test.each([
    ["no edges", { a: [], b: [] }, []],
    ["a chain", { a: ["b"], b: ["c"], c: [] }, []],
    ["a diamond is not a cycle", { a: ["b", "c"], b: ["d"], c: ["d"], d: [] }, []],
    ["a self-dependency", { a: ["a"] }, [["a", "a"]]],
    ["two processes", { a: ["b"], b: ["a"] }, [["a", "b", "a"]]],
    ["three, entered anywhere, found once", { c: ["a"], a: ["b"], b: ["c"] }, [["a", "b", "c", "a"]]],
    [
      "two separate cycles",
      { a: ["b"], b: ["a"], x: ["y"], y: ["x"], z: ["a"] },
      [
        ["a", "b", "a"],
        ["x", "y", "x"],
      ],
    ],
    ["an edge to an unknown name is not followed", { a: ["ghost"] }, []],
  ])("cycles: %s", (_what, edges, cycles) => {
    expect(findCycles(g(edges))).toEqual(cycles);
  });

  test("unknown names, by process", () => {
    expect(unknownDependencies(g({ api: ["db", "cache"], db: [], worker: ["qeue"] }))).toEqual([
      { process: "api", dependency: "cache" },
      { process: "worker", dependency: "qeue" },
    ]);
  });

  test("dependents of each process", () => {
    expect(Object.fromEntries(dependentsOf(g({ api: ["db"], worker: ["api", "db"], db: [] })))).toEqual({
      api: ["worker"],
      worker: [],
      db: ["api", "worker"],
    });
  });

  test("config issues: every unknown name and every cycle, with its key path", () => {
    const data = {
      processes: {
        a: { command: "x", depends_on: { b: "healthy", nope: "started" } },
        b: { command: "x", depends_on: { c: "started" } },
        c: { command: "x", depends_on: { a: "started" } },
        "my.web": { command: "x", depends_on: { "my.web": "started" } },
        d: { command: "x", depends_on: "not a table" },
      },
    };
    expect(dependencyIssues(data)).toEqual([
      { path: "processes.a.depends_on.nope", message: 'no process named "nope"' },
      { path: "processes.a.depends_on", message: "dependency cycle: a → b → c → a" },
      { path: 'processes["my.web"].depends_on', message: "dependency cycle: my.web → my.web" },
    ]);
  });
});

const view = (
  state: ProcessState,
  health: Health = "unknown",
  exitedOk: boolean | null = null,
  settled = true,
) => ({ state, health, exitedOk, settled }) satisfies DependencyView;

describe("conditions", () => {
  test.each<[DependencyCondition, DependencyView | null, ConditionVerdict]>([
    ["started", view("running"), "met"],
    ["started", view("paused"), "met"],
    ["started", view("exited", "unknown", true), "met"],
    ["started", view("starting"), "pending"],
    ["started", view("waiting"), "pending"],
    ["started", view("backoff"), "pending"],
    ["started", view("failed"), "never"],
    ["started", view("stopped"), "never"],
    ["started", view("stopped", "unknown", null, false), "pending"], // a restart is in flight
    ["healthy", view("running", "healthy"), "met"],
    ["healthy", view("running", "unknown"), "pending"],
    ["healthy", view("running", "unhealthy"), "pending"],
    ["healthy", view("backoff"), "pending"],
    ["healthy", view("exited", "unknown", true), "never"],
    ["healthy", view("failed"), "never"],
    ["completed", view("exited", "unknown", false), "met"],
    ["completed", view("exited", "unknown", true), "met"],
    ["completed", view("running", "healthy"), "pending"],
    ["completed", view("backoff"), "pending"],
    ["completed", view("failed"), "never"],
    ["succeeded", view("exited", "unknown", true), "met"],
    ["succeeded", view("exited", "unknown", false), "never"],
    ["succeeded", view("running"), "pending"],
    ["succeeded", view("backoff"), "pending"],
    ["succeeded", view("stopping", "unknown", null, false), "pending"],
    ["succeeded", null, "never"], // no such process
  ])("%s when the dependency is %o → %s", (condition, v, verdict) => {
    expect(evaluateCondition(condition, v)).toBe(verdict);
  });

  test("all together: met, waiting with what is missing, or failed at the first hopeless one", () => {
    const views: Record<string, DependencyView> = {
      db: view("running", "healthy"),
      cache: view("starting"),
      migrate: view("running"),
      broken: view("failed"),
    };
    const lookup = (n: string) => views[n] ?? null;
    expect([
      evaluateDependencies([{ name: "db", condition: "healthy" }], lookup),
      evaluateDependencies(
        [
          { name: "db", condition: "healthy" },
          { name: "cache", condition: "healthy" },
          { name: "migrate", condition: "succeeded" },
        ],
        lookup,
      ),
      evaluateDependencies(
        [
          { name: "cache", condition: "healthy" },
          { name: "broken", condition: "started" },
        ],
        lookup,
      ),
    ]).toEqual([
      { kind: "met" },
      { kind: "waiting", waitingFor: ["cache healthy", "migrate succeeded"] },
      { kind: "failed", dependency: "broken", condition: "started", state: "failed" },
    ]);
  });
});
