import { describe, expect, test } from "bun:test";
import { createReloader } from "../../src/daemon/reloader.ts";
import type { ReloadPlan } from "../../src/domain/shapes.ts";
import type { EventRecord, ProcessSnapshot } from "../../src/domain/types.ts";
import { TendError } from "../../src/errors.ts";
import { socketAddress } from "../../src/systemd/datagram.ts";
import { Notifier } from "../../src/systemd/notifier.ts";
import { readNotifyEnv, takeNotifyEnv } from "../../src/systemd/notify-env.ts";
import { linkSystemd } from "../../src/systemd/notify-link.ts";
import { createStatusReporter, statusLine } from "../../src/systemd/status-line.ts";
import { startWatchdog } from "../../src/systemd/watchdog.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

type State = ProcessSnapshot["state"];
const states = (...s: State[]) => s.map((state) => ({ state }));

describe("statusLine", () => {
  test.each([
    [states(), "0/0 running, 0 failed"],
    [states("running", "running", "stopped"), "2/3 running, 0 failed"],
    [states("running", "backoff", "failed", "exited"), "1/4 running, 1 in backoff, 1 failed"],
  ])("%j → %p", (list, line) => {
    expect(statusLine(list)).toBe(line);
  });
});

describe("createStatusReporter", () => {
  test("the first change goes out at once; a burst within the interval becomes one send at its end", () => {
    const clock = new ManualClock();
    let value = "a";
    const sent: [number, string][] = [];
    const r = createStatusReporter(
      clock,
      1000,
      () => value,
      (l) => sent.push([clock.nowMs(), l]),
    );
    r.changed();
    value = "b";
    clock.advance(100);
    r.changed();
    value = "c";
    clock.advance(100);
    r.changed();
    clock.advance(1000);
    r.changed(); // unchanged line: not sent again
    clock.advance(2000);
    r.noteSent("d");
    value = "d";
    r.changed();
    clock.advance(5000);
    r.stop();
    expect(sent).toEqual([
      [0, "a"],
      [1000, "c"],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("startWatchdog", () => {
  test("pings at once, then every half period, until stopped", () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const w = startWatchdog(clock, 2_000_000, () => at.push(clock.nowMs()));
    clock.advance(3500);
    w.stop();
    clock.advance(5000);
    expect(at).toEqual([0, 1000, 2000, 3000]);
  });
});

describe("notify environment", () => {
  test.each([
    [{}, null],
    [{ NOTIFY_SOCKET: "relative/path" }, null],
    [{ NOTIFY_SOCKET: "/run/systemd/notify" }, { socket: "/run/systemd/notify", watchdogUsec: null }],
    [
      { NOTIFY_SOCKET: "@abc", WATCHDOG_USEC: "30000000" },
      { socket: "@abc", watchdogUsec: 30_000_000 },
    ],
    [
      { NOTIFY_SOCKET: "@abc", WATCHDOG_USEC: "30000000", WATCHDOG_PID: "42" },
      { socket: "@abc", watchdogUsec: 30_000_000 },
    ],
    [
      { NOTIFY_SOCKET: "@abc", WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" },
      { socket: "@abc", watchdogUsec: null },
    ],
    [
      { NOTIFY_SOCKET: "@abc", WATCHDOG_USEC: "0" },
      { socket: "@abc", watchdogUsec: null },
    ],
    [
      { NOTIFY_SOCKET: "@abc", WATCHDOG_USEC: "soon" },
      { socket: "@abc", watchdogUsec: null },
    ],
  ])("%j (our pid 42) → %j", (env, expected) => {
    expect(readNotifyEnv(env as Record<string, string>, 42)).toEqual(expected);
  });

  test("takeNotifyEnv removes the variables so children do not inherit them", () => {
    const env: Record<string, string | undefined> = {
      NOTIFY_SOCKET: "@x",
      WATCHDOG_USEC: "1000",
      WATCHDOG_PID: "1",
      PATH: "/bin",
    };
    expect(takeNotifyEnv(env, 1)).toEqual({ socket: "@x", watchdogUsec: 1000 });
    expect(env).toEqual({ PATH: "/bin" });
  });

  test("sockaddr_un: a path ends with NUL; an abstract name starts with one and has no terminator", () => {
    const path = socketAddress("/run/n");
    const abstract = socketAddress("@n");
    expect({
      path: [path.length, [...path.bytes.slice(0, path.length)]],
      abstract: [abstract.length, [...abstract.bytes.slice(0, abstract.length)]],
    }).toEqual({
      path: [9, [1, 0, 47, 114, 117, 110, 47, 110, 0]],
      abstract: [4, [1, 0, 0, 110]],
    });
    expect(() => socketAddress(`/${"x".repeat(107)}`)).toThrow("longer than 107 bytes");
  });
});

// A notifier whose datagrams land in an array, and a control with a settable process list.
function fakeLink(env: Record<string, string | undefined>) {
  const clock = new ManualClock();
  const sent: string[] = [];
  const warnings: string[] = [];
  let failWith: number | null = null;
  let list: Pick<ProcessSnapshot, "state">[] = states("running");
  const listeners = new Set<(e: EventRecord) => void>();
  const link = linkSystemd({
    env,
    pid: 42,
    clock,
    control: {
      list: () => list as ProcessSnapshot[],
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    warn: (m) => warnings.push(m),
    open: (address, warn) =>
      new Notifier(
        {
          send: (t) => {
            if (failWith === null) sent.push(t);
            return failWith;
          },
          close: () => sent.push("(closed)"),
        },
        address,
        warn,
        () => 123n,
      ),
  });
  const event = {
    id: 1,
    at: 0,
    process: "a",
    type: "process.running",
    state: "running",
    reason: null,
    details: null,
  };
  return {
    link,
    clock,
    sent,
    warnings,
    listeners,
    setList: (l: State[]) => {
      list = states(...l);
    },
    emit: () => {
      for (const l of listeners) l(event as EventRecord);
    },
    fail: (errno: number | null) => {
      failWith = errno;
    },
  };
}

describe("linkSystemd", () => {
  test("without NOTIFY_SOCKET there is no link", () => {
    expect(fakeLink({}).link).toBeNull();
  });

  test("messages in order; state changes update STATUS; close stops the watchdog and unsubscribes", () => {
    const f = fakeLink({ NOTIFY_SOCKET: "@t", WATCHDOG_USEC: "10000000" });
    const link = f.link!;
    link.ready();
    f.setList(["running", "failed"]);
    f.emit();
    f.clock.advance(1000); // the throttle's interval: the first STATUS after READY waits for it
    link.reloading();
    link.reloaded();
    link.stopping();
    f.clock.advance(4000);
    link.close();
    f.clock.advance(60_000);
    expect(f.sent).toEqual([
      "WATCHDOG=1",
      "READY=1\nSTATUS=1/1 running, 0 failed",
      "STATUS=1/2 running, 1 failed",
      "RELOADING=1\nMONOTONIC_USEC=123\nSTATUS=reloading the config",
      "READY=1\nSTATUS=1/2 running, 1 failed",
      "STOPPING=1\nSTATUS=stopping every process",
      "WATCHDOG=1",
      "(closed)",
    ]);
    expect(f.listeners.size).toBe(0);
  });

  test("a failing socket is reported once per streak, not once per ping", () => {
    const f = fakeLink({ NOTIFY_SOCKET: "@t", WATCHDOG_USEC: "2000" });
    f.fail(111);
    f.clock.advance(10);
    f.fail(null);
    f.clock.advance(1);
    f.fail(111);
    f.clock.advance(10);
    f.link!.close();
    expect(f.warnings).toEqual([
      "cannot notify systemd at @t: errno 111",
      "cannot notify systemd at @t: errno 111",
    ]);
  });
});

describe("createReloader", () => {
  const plan = (): ReloadPlan => ({ added: [], removed: [], changed: [], unchanged: [], applied: true });

  test("reloads run one at a time, each between RELOADING and READY, also when refused", async () => {
    const log: string[] = [];
    let n = 0;
    const reload = createReloader(
      {
        reload: async (dryRun) => {
          const my = ++n;
          log.push(`start ${my}${dryRun ? " dry" : ""}`);
          await Bun.sleep(0);
          log.push(`end ${my}`);
          if (my === 2) throw new TendError("CONFIG_INVALID", "bad");
          return plan();
        },
      },
      { reloading: () => log.push("RELOADING"), reloaded: () => log.push("READY") },
      () => false,
    );
    const results = await Promise.allSettled([reload(false), reload(false), reload(true)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log).toEqual([
      "RELOADING",
      "start 1",
      "end 1",
      "READY",
      "RELOADING",
      "start 2",
      "end 2",
      "READY",
      "start 3 dry",
      "end 3",
    ]);
  });

  test("once stopping, no RELOADING or READY is sent", async () => {
    const log: string[] = [];
    const reload = createReloader(
      {
        reload: async () => {
          throw new TendError("SHUTTING_DOWN", "the supervisor is shutting down");
        },
      },
      { reloading: () => log.push("RELOADING"), reloaded: () => log.push("READY") },
      () => true,
    );
    await expect(reload(false)).rejects.toThrow("shutting down");
    expect(log).toEqual([]);
  });
});
