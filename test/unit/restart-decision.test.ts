import { describe, expect, test } from "bun:test";
import type { RestartPolicy } from "../../src/config/process-spec.ts";
import type { ExitInfo } from "../../src/domain/types.ts";
import { decideAfterExit, type ExitOutcome, isSuccess } from "../../src/supervisor/unit/outcome.ts";

const SUCCESS: ExitInfo = { code: 0, signal: null };
const FAILURE: ExitInfo = { code: 1, signal: null };
const SIGNAL: ExitInfo = { code: null, signal: "SIGKILL" };
const EXITS = { success: SUCCESS, failure: FAILURE, signal: SIGNAL };

const restart = (reason: "exited" | "crashed"): ExitOutcome => ({ kind: "restart", reason });
const exited = (reason: "exited" | "crashed"): ExitOutcome => ({ kind: "exited", reason });
const FAILED: ExitOutcome = { kind: "failed", reason: "max_restarts" };

describe("decideAfterExit with max_restarts 0 (never give up)", () => {
  test.each([
    ["always", "success", restart("exited")],
    ["always", "failure", restart("crashed")],
    ["always", "signal", restart("crashed")],
    ["on-failure", "success", exited("exited")],
    ["on-failure", "failure", restart("crashed")],
    ["on-failure", "signal", restart("crashed")],
    ["never", "success", exited("exited")],
    ["never", "failure", exited("crashed")],
    ["never", "signal", exited("crashed")],
  ] as [RestartPolicy, keyof typeof EXITS, ExitOutcome][])("%s after %s", (policy, exit, outcome) => {
    const spec = { restart: policy, maxRestarts: 0, successExitCodes: [0] };
    expect([0, 1, 1000].map((n) => decideAfterExit(spec, EXITS[exit], n))).toEqual([
      outcome,
      outcome,
      outcome,
    ]);
  });
});

describe("decideAfterExit with max_restarts 3: restartsInRow counts restarts already made", () => {
  test.each([
    ["always", "success", 0, restart("exited")],
    ["always", "success", 2, restart("exited")],
    ["always", "success", 3, FAILED],
    ["always", "failure", 2, restart("crashed")],
    ["always", "failure", 3, FAILED],
    ["always", "signal", 4, FAILED],
    ["on-failure", "failure", 2, restart("crashed")],
    ["on-failure", "failure", 3, FAILED],
    ["on-failure", "signal", 3, FAILED],
    // A run that is not going to be restarted never counts as giving up.
    ["on-failure", "success", 3, exited("exited")],
    ["never", "failure", 3, exited("crashed")],
    ["never", "signal", 10, exited("crashed")],
  ] as [RestartPolicy, keyof typeof EXITS, number, ExitOutcome][])(
    "%s after %s with %d in a row",
    (policy, exit, inRow, outcome) => {
      expect(
        decideAfterExit({ restart: policy, maxRestarts: 3, successExitCodes: [0] }, EXITS[exit], inRow),
      ).toEqual(outcome);
    },
  );
});

describe("success_exit_codes", () => {
  test.each([
    [[0], SUCCESS, true],
    [[0], FAILURE, false],
    [[0, 1], FAILURE, true],
    [[3], SUCCESS, false],
    [[0], SIGNAL, false],
    [[0], { code: null, signal: null }, false],
  ] as [number[], ExitInfo, boolean][])("codes %j, exit %j → success %p", (codes, exit, ok) => {
    expect(isSuccess({ successExitCodes: codes }, exit)).toBe(ok);
  });

  test("an on-failure process whose exit code is listed as success is not restarted", () => {
    expect(
      decideAfterExit(
        { restart: "on-failure", maxRestarts: 0, successExitCodes: [0, 3] },
        { code: 3, signal: null },
        0,
      ),
    ).toEqual(exited("exited"));
  });
});
