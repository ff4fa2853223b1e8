import { describe, expect, test } from "bun:test";
import { type AlertRule, kindsOf, ruleMatchesEvent, ruleMatchesLine } from "../../src/alerts/alert-rule.ts";
import { rulesKey } from "../../src/alerts/alert-rules-live.ts";
import type { EventRecord } from "../../src/domain/types.ts";

const ev = (type: string, reason: string | null = null, details: Record<string, unknown> | null = null) =>
  ({ id: 1, at: 0, process: "api", type, state: null, reason, details }) as EventRecord;

const rule = (over: Partial<AlertRule>): AlertRule => ({
  index: 0,
  on: [],
  pattern: null,
  processes: null,
  minIntervalMs: 0,
  webhook: "http://127.0.0.1:1/",
  command: null,
  timeoutMs: 1000,
  retries: 0,
  ...over,
});

describe("kindsOf: the short names an event answers to", () => {
  test.each([
    [ev("run.exited", "crashed"), ["run.exited", "crashed"]],
    [ev("run.exited", "exited"), ["run.exited"]],
    [ev("run.exited", "liveness"), ["run.exited"]],
    [ev("run.exited", "stopped"), ["run.exited"]],
    [ev("process.exited", "crashed"), ["process.exited", "exited"]],
    [ev("process.exited", "exited"), ["process.exited", "exited"]],
    [ev("process.failed", "max_restarts"), ["process.failed", "exited", "failed"]],
    [ev("health.changed", "probe", { health: "unhealthy" }), ["health.changed", "unhealthy"]],
    [ev("health.changed", "probe", { health: "healthy" }), ["health.changed"]],
    [ev("process.backoff", "crashed"), ["process.backoff", "restarted"]],
    [ev("process.starting", "restart"), ["process.starting", "restarted"]],
    [ev("process.starting", "autostart"), ["process.starting"]],
  ] as const)("%o", (e, kinds) => {
    expect(kindsOf(e)).toEqual([...kinds]);
  });
});

describe("rules", () => {
  test("match by short name or full type, only for the processes named, never on alerts", () => {
    const crashed = ev("run.exited", "crashed");
    expect({
      short: ruleMatchesEvent(rule({ on: ["crashed"] }), crashed),
      full: ruleMatchesEvent(rule({ on: ["run.exited"] }), crashed),
      other: ruleMatchesEvent(rule({ on: ["failed"] }), crashed),
      named: ruleMatchesEvent(rule({ on: ["crashed"], processes: ["api"] }), crashed),
      notNamed: ruleMatchesEvent(rule({ on: ["crashed"], processes: ["db"] }), crashed),
      alert: ruleMatchesEvent(rule({ on: ["alert.failed"] }), ev("alert.failed")),
      logRuleOnEvent: ruleMatchesEvent(rule({ on: ["log"], pattern: /x/ }), ev("process.exited", "crashed")),
    }).toEqual({
      short: true,
      full: true,
      other: false,
      named: true,
      notNamed: false,
      alert: false,
      logRuleOnEvent: false,
    });
  });

  test("log rules match lines by pattern and process", () => {
    const r = rule({ on: ["log"], pattern: /ERROR/, processes: ["api"] });
    expect([
      ruleMatchesLine(r, "api", "an ERROR here"),
      ruleMatchesLine(r, "api", "fine"),
      ruleMatchesLine(r, "db", "an ERROR here"),
      ruleMatchesLine(rule({ on: ["crashed"] }), "api", "ERROR"),
    ]).toEqual([true, false, false, false]);
  });

  test("the key that decides whether a reload rebuilds the alerter sees the pattern", () => {
    const a = rule({ on: ["log"], pattern: /a/ });
    expect([
      rulesKey([a]) === rulesKey([{ ...a }]),
      rulesKey([a]) === rulesKey([{ ...a, pattern: /b/ }]),
    ]).toEqual([true, false]);
  });
});
