import { describe, expect, test } from "bun:test";
import type { GateVerdict } from "../../src/supervisor/dependencies.ts";
import { INPUT_TYPES, type Input, type InputType, type Outcome } from "../../src/supervisor/unit/inputs.ts";
import { PHASES, type Phase, PUBLIC_STATE } from "../../src/supervisor/unit/phases.ts";
import { decide, type Verdict } from "../../src/supervisor/unit/table.ts";

// The transition table held to a matrix written by hand, not read back from the table. A cell
// is what the verdict does: "-" ignores the input, "!" refuses it, "=" stays in the phase with
// effects, or the next phase. Flags after it: "+" spawns, "k" stops the run's tree, "t" arms
// the backoff timer, "c" cancels it.

const MET: GateVerdict = { kind: "met" };
const WAITING: GateVerdict = { kind: "waiting", waitingFor: ["db healthy"] };
const BLOCKED: GateVerdict = { kind: "failed", dependency: "db", condition: "healthy", state: "failed" };
const RESTART: Outcome = { kind: "restart", reason: "crashed", delayMs: 100, attempt: 1 };
const EXITED: Outcome = { kind: "exited", reason: "crashed" };
const GAVE_UP: Outcome = { kind: "failed", reason: "max_restarts" };

// The typical input of each type; the payload variants have tables of their own below.
const TYPICAL: { [T in InputType]: Extract<Input, { type: T }> } = {
  start: { type: "start", reason: "requested", gate: MET },
  restart: { type: "restart", reason: "restart", gate: MET },
  stop: { type: "stop", reason: "requested", force: false },
  reset: { type: "reset" },
  pause: { type: "pause" },
  resume: { type: "resume" },
  signal: { type: "signal", signal: "SIGHUP" },
  remove: { type: "remove", reason: "removed" },
  shutdown: { type: "shutdown" },
  restore: { type: "restore", state: "exited", lastExit: { code: 0, signal: null } },
  deps_changed: { type: "deps_changed", gate: MET },
  spawned: { type: "spawned", runId: 1, pid: 100 },
  spawn_failed: { type: "spawn_failed", error: "ENOENT", outcome: { ...RESTART, reason: "spawn_failed" } },
  leader_exited: { type: "leader_exited", ended: "crashed", leftovers: [], outcome: RESTART },
  tree_gone: { type: "tree_gone", survivors: null, outcome: RESTART, gate: MET },
  main_forked: { type: "main_forked", pid: 101, startTicks: 5 },
  backoff_due: { type: "backoff_due", gate: MET },
  health: { type: "health", health: "healthy", reason: "readiness" },
  probe_failed: { type: "probe_failed", probe: "liveness", message: "connection refused" },
  memory_exceeded: { type: "memory_exceeded", rssBytes: 2048, limitBytes: 1024 },
  timeout_reached: { type: "timeout_reached", timeoutMs: 1000 },
};

const COLUMNS: InputType[] = [
  "start",
  "restart",
  "stop",
  "reset",
  "pause",
  "resume",
  "signal",
  "remove",
  "shutdown",
  "restore",
  "deps_changed",
  "spawned",
  "spawn_failed",
  "leader_exited",
  "tree_gone",
  "main_forked",
  "backoff_due",
  "health",
  "probe_failed",
  "memory_exceeded",
  "timeout_reached",
];

// biome-ignore format: a matrix reads as one
const MATRIX: Record<Phase, string[]> = {
  // columns: start restart stop reset pause resume signal remove shutdown restore deps_changed spawned
  //          spawn_failed leader_exited tree_gone main_forked backoff_due health probe_failed memory_exceeded
  //          timeout_reached
  stopped:    ["starting +", "starting +", "-", "=", "!", "!", "!", "retired", "retired", "exited", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
  exited:     ["starting +", "starting +", "-", "=", "!", "!", "!", "retired", "retired", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
  failed:     ["starting +", "starting +", "-", "stopped", "!", "!", "!", "retired", "retired", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
  waiting:    ["starting +", "starting +", "stopped", "=", "!", "!", "!", "retired", "retired", "-", "starting +", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
  starting:   ["-", "-", "-", "=", "-", "-", "-", "-", "-", "-", "-", "running", "backoff t", "-", "-", "-", "-", "-", "-", "-", "-"],
  running:    ["-", "restarting k", "stopping k", "=", "paused", "!", "=", "retiring k", "retiring k", "-", "-", "-", "-", "backoff t", "-", "=", "-", "=", "ending k", "ending k", "ending k"],
  paused:     ["-", "restarting k", "stopping k", "=", "!", "running", "=", "retiring k", "retiring k", "-", "-", "-", "-", "backoff t", "-", "=", "-", "=", "-", "-", "ending k"],
  stopping:   ["restarting", "restarting", "-", "=", "!", "!", "=", "retiring", "retiring", "-", "-", "-", "-", "=", "stopped", "-", "-", "-", "-", "-", "-"],
  restarting: ["-", "-", "stopping", "=", "!", "!", "=", "retiring", "retiring", "-", "-", "-", "-", "=", "starting +", "-", "-", "-", "-", "-", "-"],
  ending:     ["restarting", "restarting", "stopping", "=", "!", "!", "=", "retiring", "retiring", "-", "-", "-", "-", "=", "backoff t", "-", "-", "-", "-", "-", "-"],
  retiring:   ["!", "!", "-", "!", "!", "!", "=", "-", "-", "-", "-", "-", "-", "=", "retired", "-", "-", "-", "-", "-", "-"],
  backoff:    ["starting +c", "starting +c", "stopped c", "=", "!", "!", "!", "retired c", "retired c", "-", "-", "-", "-", "-", "-", "-", "starting +", "-", "-", "-", "-"],
  retired:    ["!", "!", "-", "!", "!", "!", "!", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
};

function cell(phase: Phase, v: Verdict): string {
  if (v === null) return "-";
  if ("refuse" in v) return "!";
  const kinds = new Set(v.effects.map((e) => e.kind));
  const flags = [
    kinds.has("spawn") ? "+" : "",
    kinds.has("stop_tree") ? "k" : "",
    kinds.has("arm_backoff") ? "t" : "",
    kinds.has("cancel_backoff") ? "c" : "",
    kinds.has("kill_now") || v.effects.some((e) => e.kind === "stop_tree" && e.force) ? "f" : "",
  ].join("");
  const next = v.next === undefined || v.next === phase ? "=" : v.next;
  return flags ? `${next} ${flags}` : next;
}

describe("the unit's transition table", () => {
  test("every phase × input cell is as the matrix says", () => {
    const got = Object.fromEntries(
      PHASES.map((p) => [p, COLUMNS.map((t) => cell(p, decide(p, TYPICAL[t])))]),
    );
    expect(got).toEqual(MATRIX);
  });

  test("the matrix has a column for every input and a row for every phase", () => {
    expect({ columns: [...COLUMNS].sort(), rows: Object.keys(MATRIX).sort() }).toEqual({
      columns: [...INPUT_TYPES].sort(),
      rows: [...PHASES].sort(),
    });
  });

  test("a forced stop kills at once, also a stop already waiting out stop_timeout", () => {
    const force: Input = { type: "stop", reason: "requested", force: true };
    expect(Object.fromEntries(PHASES.map((p) => [p, cell(p, decide(p, force))]))).toEqual({
      stopped: "-",
      exited: "-",
      failed: "-",
      waiting: "stopped",
      starting: "-",
      running: "stopping kf",
      paused: "stopping kf",
      stopping: "= f",
      restarting: "stopping f",
      ending: "stopping f",
      retiring: "= f",
      backoff: "stopped c",
      retired: "-",
    });
  });

  test("starts wait for or fail on their dependencies", () => {
    const start = (gate: GateVerdict): Input => ({ type: "start", reason: "requested", gate });
    const afterStop = (gate: GateVerdict): Input => ({
      type: "tree_gone",
      survivors: null,
      outcome: RESTART,
      gate,
    });
    const deps = (gate: GateVerdict): Input => ({ type: "deps_changed", gate });
    expect({
      stopped: [
        cell("stopped", decide("stopped", start(WAITING))),
        cell("stopped", decide("stopped", start(BLOCKED))),
      ],
      backoff: [
        cell("backoff", decide("backoff", start(WAITING))),
        cell("backoff", decide("backoff", start(BLOCKED))),
      ],
      restarting: [
        cell("restarting", decide("restarting", afterStop(WAITING))),
        cell("restarting", decide("restarting", afterStop(BLOCKED))),
      ],
      waiting: [
        cell("waiting", decide("waiting", deps(WAITING))),
        cell("waiting", decide("waiting", deps(BLOCKED))),
      ],
    }).toEqual({
      stopped: ["waiting", "failed"],
      backoff: ["waiting c", "failed c"],
      restarting: ["waiting", "failed"],
      waiting: ["=", "failed"],
    });
  });

  test("a spawn that failed goes by the policy; a waiting unit rechecks on every start", () => {
    const failed = (outcome: Outcome): Input => ({ type: "spawn_failed", error: "ENOENT", outcome });
    const start = (gate: GateVerdict): Input => ({ type: "start", reason: "requested", gate });
    expect({
      restarted: cell("starting", decide("starting", failed(RESTART))),
      gaveUp: cell("starting", decide("starting", failed({ kind: "failed", reason: "spawn_failed" }))),
      stillWaiting: cell("waiting", decide("waiting", start(WAITING))),
      blocked: cell("waiting", decide("waiting", start(BLOCKED))),
      backoffBlocked: cell("backoff", decide("backoff", { type: "backoff_due", gate: WAITING })),
    }).toEqual({
      restarted: "backoff t",
      gaveUp: "failed",
      stillWaiting: "=",
      blocked: "failed",
      backoffBlocked: "waiting",
    });
  });

  test("a run's end: leftovers first, then the outcome; a tree that survived never restarts", () => {
    const exited = (outcome: Outcome, leftovers: number[] | null = []): Input => ({
      type: "leader_exited",
      ended: "crashed",
      leftovers,
      outcome,
    });
    const gone = (outcome: Outcome, survivors: string | null = null): Input => ({
      type: "tree_gone",
      survivors,
      outcome,
      gate: MET,
    });
    expect({
      leftovers: cell("running", decide("running", exited(RESTART, [7]))),
      unknownLeftovers: cell("running", decide("running", exited(RESTART, null))),
      exited: cell("running", decide("running", exited(EXITED))),
      gaveUp: cell("paused", decide("paused", exited(GAVE_UP))),
      endingExited: cell("ending", decide("ending", gone(EXITED))),
      endingGaveUp: cell("ending", decide("ending", gone(GAVE_UP))),
      endingSurvived: cell("ending", decide("ending", gone(RESTART, "pid 7 survived SIGKILL"))),
      restartSurvived: cell("restarting", decide("restarting", gone(RESTART, "pid 7 survived SIGKILL"))),
      stopSurvived: cell("stopping", decide("stopping", gone(RESTART, "pid 7 survived SIGKILL"))),
    }).toEqual({
      leftovers: "ending k",
      unknownLeftovers: "ending k",
      exited: "exited",
      gaveUp: "failed",
      endingExited: "exited",
      endingGaveUp: "failed",
      endingSurvived: "failed",
      restartSurvived: "failed",
      stopSurvived: "stopped",
    });
  });

  test("the operator's intent each action leaves, and that a shutdown leaves none", () => {
    const intent = (phase: Phase, input: Input) => {
      const v = decide(phase, input);
      if (v === null || "refuse" in v) return "n/a";
      const e = v.effects.find((x) => x.kind === "intent");
      return e && e.kind === "intent" ? String(e.intent) : "unchanged";
    };
    expect({
      start: intent("stopped", TYPICAL.start),
      stop: intent("running", TYPICAL.stop),
      stopInBackoff: intent("backoff", TYPICAL.stop),
      pause: intent("running", TYPICAL.pause),
      resume: intent("paused", TYPICAL.resume),
      remove: intent("running", TYPICAL.remove),
      shutdown: intent("running", TYPICAL.shutdown),
      taskDone: intent("running", { ...TYPICAL.leader_exited, outcome: EXITED }),
      gaveUp: intent("running", { ...TYPICAL.leader_exited, outcome: GAVE_UP }),
      crashRestarts: intent("running", TYPICAL.leader_exited),
      spawned: intent("starting", TYPICAL.spawned),
    }).toEqual({
      start: "up",
      stop: "stopped",
      stopInBackoff: "stopped",
      pause: "paused",
      resume: "up",
      remove: "null",
      shutdown: "unchanged",
      taskDone: "exited",
      gaveUp: "failed",
      crashRestarts: "unchanged",
      spawned: "up",
    });
  });

  test("public states: four ways of stopping, and retired shows as stopped", () => {
    expect(PHASES.map((p) => `${p}:${PUBLIC_STATE[p]}`)).toEqual([
      "stopped:stopped",
      "exited:exited",
      "failed:failed",
      "waiting:waiting",
      "starting:starting",
      "running:running",
      "paused:paused",
      "stopping:stopping",
      "restarting:stopping",
      "ending:stopping",
      "retiring:stopping",
      "backoff:backoff",
      "retired:stopped",
    ]);
  });
});
