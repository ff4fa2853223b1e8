import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Clock, TimerHandle } from "../../src/clock.ts";
import { cronProblem, nextOccurrence, timezoneProblem } from "../../src/config/schedule-expression.ts";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import type { EventRecord } from "../../src/domain/types.ts";
import { SCHEDULE_STEP_MS, ScheduleTimer } from "../../src/supervisor/triggers.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";
import { ManualClock } from "../helpers/manual-clock.ts";
import { waitFor } from "../helpers/wait.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

// A manual clock whose wall time can be set apart from its monotonic time: a clock step.
class SteppableClock implements Clock {
  readonly inner = new ManualClock(0);
  offset: number;
  constructor(wallStart: number) {
    this.offset = wallStart;
  }
  nowMs(): number {
    return this.inner.nowMs();
  }
  wallMs(): number {
    return this.inner.nowMs() + this.offset;
  }
  after(ms: number, fn: () => void): TimerHandle {
    return this.inner.after(ms, fn);
  }
}

describe("cron expressions", () => {
  test("five fields or a nickname; bad ones say what was expected", () => {
    expect({
      daily: cronProblem("0 3 * * *"),
      nickname: cronProblem("@yearly"),
      four: cronProblem("0 3 * *"),
      six: cronProblem("0 0 3 * * *"),
      minute: cronProblem("61 3 * * *"),
      unknownNickname: cronProblem("@fortnightly"),
      zone: timezoneProblem("Europe/Paris"),
      badZone: timezoneProblem("Mars/Olympus"),
    }).toEqual({
      daily: null,
      nickname: null,
      four: 'expected 5 fields (minute hour day-of-month month day-of-week) like "0 3 * * *", got 4',
      six: 'expected 5 fields (minute hour day-of-month month day-of-week) like "0 3 * * *", got 6',
      minute: expect.stringContaining("not a cron expression"),
      unknownNickname: expect.stringContaining('unknown nickname "@fortnightly"'),
      zone: null,
      badZone: 'unknown time zone "Mars/Olympus": expected an IANA name like "Europe/Paris" or "UTC"',
    });
  });

  test("the next time is strictly after the given one, in the given zone", () => {
    const t = Date.UTC(2030, 0, 1, 3, 0);
    expect({
      atTheTime: new Date(nextOccurrence("0 3 * * *", "UTC", t) ?? 0).toISOString(),
      paris: new Date(nextOccurrence("0 3 * * *", "Europe/Paris", Date.UTC(2030, 0, 1)) ?? 0).toISOString(),
    }).toEqual({ atTheTime: "2030-01-02T03:00:00.000Z", paris: "2030-01-01T02:00:00.000Z" });
  });
});

// What the README says of daylight saving, held to croner's answers (Europe/Paris, 2030: the
// clocks go forward at 02:00 on 31 March and back at 03:00 on 27 October).
test("daylight saving: a fixed time after the spring gap and once in autumn; an hourly job skips the gap and repeats the hour", () => {
  const runs = (expression: string, from: number, n: number) => {
    const out: string[] = [];
    let t = from;
    for (let i = 0; i < n; i++) {
      t = nextOccurrence(expression, "Europe/Paris", t) ?? Number.NaN;
      out.push(new Date(t).toISOString().slice(5, 16));
    }
    return out;
  };
  expect({
    fixedSpring: runs("30 2 * * *", Date.UTC(2030, 2, 30, 12), 2),
    fixedAutumn: runs("30 2 * * *", Date.UTC(2030, 9, 26, 12), 2),
    hourlySpring: runs("30 * * * *", Date.UTC(2030, 2, 30, 23, 50), 3),
    hourlyAutumn: runs("30 * * * *", Date.UTC(2030, 9, 26, 23, 50), 3),
  }).toEqual({
    fixedSpring: ["03-31T01:00", "04-01T00:30"], // 03:00 local, the first time after the gap
    fixedAutumn: ["10-27T00:30", "10-28T01:30"], // 02:30 summer time, once
    hourlySpring: ["03-31T00:30", "03-31T01:30", "03-31T02:30"], // 01:30, then 03:30: 02:30 is skipped
    hourlyAutumn: ["10-27T00:30", "10-27T01:30", "10-27T02:30"], // 02:30 twice, then 03:30
  });
});

describe("a schedule's timer", () => {
  test("a yearly schedule waits in steps and never fires before its time", () => {
    const start = Date.UTC(2030, 0, 1, 0, 0, 0, 1);
    const clock = new ManualClock(start);
    const fired: number[] = [];
    const timer = new ScheduleTimer({ expression: "@yearly", timezone: "UTC" }, clock, () =>
      fired.push(clock.wallMs()),
    );
    const due = Date.UTC(2031, 0, 1);
    expect(timer.info().nextAt).toBe(due);
    // A year is far more than one timer can hold (2^31-1 ms): it is many steps, none early.
    let steps = 0;
    while (clock.wallMs() + SCHEDULE_STEP_MS < due) {
      clock.advance(SCHEDULE_STEP_MS);
      steps++;
      if (fired.length) break;
    }
    const beforeDue = { fired: fired.length, pending: clock.pendingTimers };
    clock.advance(due - 1 - clock.wallMs());
    const oneMsBefore = fired.length;
    clock.advance(1);
    expect({ beforeDue, oneMsBefore, fired, steps: steps > 8000 }).toEqual({
      beforeDue: { fired: 0, pending: 1 },
      oneMsBefore: 0,
      fired: [due],
      steps: true,
    });
    timer.close();
    expect(clock.pendingTimers).toBe(0);
  });

  test("a wall clock set back does not make it early; one set forward makes it at most a step late", () => {
    const clock = new SteppableClock(Date.UTC(2030, 0, 1, 0, 0));
    const fired: number[] = [];
    const timer = new ScheduleTimer({ expression: "0 3 * * *", timezone: "UTC" }, clock, () =>
      fired.push(clock.wallMs()),
    );
    clock.offset -= 2 * HOUR; // the wall clock is set back two hours
    clock.inner.advance(3 * HOUR); // the wait armed for 03:00 has passed; the wall says 01:00
    const afterBack = fired.length;
    clock.inner.advance(2 * HOUR);
    const due = Date.UTC(2030, 0, 1, 3, 0);
    // Then forward: the wall jumps past the next day's time; the next step sees it is due.
    clock.offset += DAY;
    clock.inner.advance(SCHEDULE_STEP_MS);
    timer.close();
    expect({ afterBack, first: fired[0], second: fired.length, late: (fired[1] ?? 0) > due + DAY }).toEqual({
      afterBack: 0,
      first: due,
      second: 2,
      late: true,
    });
  });
});

describe("a scheduled task in the supervisor", () => {
  test("runs on time, never overlaps itself, and records the skipped times", async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1, 0, 0));
    await using h = await InProcess.start(
      {
        nightly: {
          command: [`${FIXTURES}/ready-then-sleep.sh`],
          schedule: "0 3 * * *",
          timezone: "UTC",
          restart: "never",
        },
      },
      { clock },
    );
    const events: EventRecord[] = [];
    h.supervisor.subscribe((e) => {
      if (e.process === "nightly") events.push(e);
    });
    const state = () => h.supervisor.list()[0]?.state;
    const atStart = state();
    clock.advance(3 * HOUR - 1);
    const justBefore = state();
    clock.advance(1);
    await waitFor("the scheduled run to start", () => state() === "running");
    const firstPid = h.supervisor.list()[0]?.pid;
    // The next day's time comes while the first run still goes on: skipped, not a second run.
    clock.advance(DAY);
    await waitFor("the skip to be recorded", () => events.some((e) => e.type === "schedule.skipped"));
    const whileRunning = { state: state(), pid: h.supervisor.list()[0]?.pid };
    await h.supervisor.stop("nightly");
    clock.advance(DAY);
    await waitFor("the third day's run", () => state() === "running" && h.supervisor.list()[0]?.pid);
    const detail = h.supervisor.get("nightly") as ProcessDetail;
    const stored = h.store.events({ process: "nightly", type: "schedule.skipped" });
    expect({
      atStart,
      justBefore,
      whileRunning,
      sameRun: whileRunning.pid === firstPid,
      starts: events.filter((e) => e.type === "run.started").length,
      startReasons: events.filter((e) => e.type === "process.running").map((e) => e.reason),
      stored: stored.map((e) => e.details),
      schedule: detail.triggers?.schedule,
    }).toEqual({
      atStart: "stopped",
      justBefore: "stopped",
      whileRunning: { state: "running", pid: expect.any(Number) },
      sameRun: true,
      starts: 2,
      startReasons: ["schedule", "schedule"],
      stored: [
        {
          dueAt: Date.UTC(2030, 0, 2, 3, 0),
          state: "running",
          action: "start",
          why: "a run is still going",
        },
      ],
      schedule: {
        expression: "0 3 * * *",
        timezone: "UTC",
        nextAt: Date.UTC(2030, 0, 4, 3, 0),
        lastAt: Date.UTC(2030, 0, 3, 3, 0),
        skipped: 1,
        lastSkippedAt: Date.UTC(2030, 0, 2, 3, 0),
      },
    });
  });
});

describe("restart_schedule", () => {
  test("restarts the running service at its times; a stopped one is left alone and the skip recorded", async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1, 0, 0));
    await using h = await InProcess.start(
      {
        api: { command: [`${FIXTURES}/ready-then-sleep.sh`], restart_schedule: "0 4 * * *", timezone: "UTC" },
      },
      { clock },
    );
    const pid = () => h.supervisor.list()[0]?.pid ?? null;
    const first = await waitFor("api running", () => pid());
    clock.advance(4 * HOUR);
    const second = await waitFor("a new run after the scheduled restart", () => {
      const p = pid();
      return p !== null && p !== first ? p : null;
    });
    const reason = h.supervisor.list()[0]?.reason;
    await h.supervisor.stop("api");
    clock.advance(DAY);
    const skipped = await waitFor(
      "the skip of the stopped service",
      () => h.store.events({ process: "api", type: "schedule.skipped" })[0],
    );
    expect({
      restarted: second !== first,
      reason,
      after: h.supervisor.list()[0]?.state,
      skipped: skipped.details,
    }).toEqual({
      restarted: true,
      reason: "schedule",
      after: "stopped",
      skipped: {
        dueAt: Date.UTC(2030, 0, 2, 4, 0),
        state: "stopped",
        action: "restart",
        why: "it is stopped",
      },
    });
  });
});

describe("schedules follow the set of processes", () => {
  test("made for an added process, closed when it is removed, made again by a reload that changes it", async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1, 0, 0));
    const nightly = (schedule: string) => ({
      command: [`${FIXTURES}/ready-then-sleep.sh`],
      schedule,
      timezone: "UTC",
      restart: "never",
    });
    await using h = await InProcess.start({ nightly: nightly("0 3 * * *") }, { clock });
    const nextAt = (name: string) => (h.supervisor.get(name) as ProcessDetail).triggers?.schedule?.nextAt;
    const base = clock.pendingTimers;
    await h.supervisor.add({ name: "extra", ...nightly("0 5 * * *") });
    const added = { timers: clock.pendingTimers - base, nextAt: nextAt("extra") };
    await h.supervisor.remove("extra");
    const removed = clock.pendingTimers - base;
    writeFileSync(
      join(h.dir.path, "tend.json"),
      JSON.stringify({
        supervisor: { socket: "run/tend.sock", state_dir: "state", log_dir: "logs" },
        processes: { nightly: nightly("0 4 * * *") },
      }),
    );
    const plan = await h.supervisor.reload(false);
    expect({
      added,
      removed,
      changed: plan.changed,
      reloaded: { timers: clock.pendingTimers - base, nextAt: nextAt("nightly") },
    }).toEqual({
      added: { timers: 1, nextAt: Date.UTC(2030, 0, 1, 5, 0) },
      removed: 0,
      changed: ["nightly"],
      reloaded: { timers: 0, nextAt: Date.UTC(2030, 0, 1, 4, 0) },
    });
  });
});
