import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { type Datagram, NotifyListener } from "../helpers/notify-listener.ts";
import { processesWithEnv } from "../helpers/pids.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = JSON.stringify(join(FIXTURES, "ready-then-sleep.sh"));
const procs = (...names: string[]) =>
  names.map((n) => `[processes.${n}]\ncommand = [${SLEEPER}]\n`).join("\n");
const uniqueName = () => `tend-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

describe("sd_notify from tend up", () => {
  test("READY=1 with STATUS, RELOADING=1/READY=1 around each reload, STOPPING=1, in that order", async () => {
    await using listener = await NotifyListener.start(`@${uniqueName()}`);
    await using d = new TestDaemon(procs("a", "b"));
    d.upEnv = { NOTIFY_SOCKET: listener.address };
    await d.start();

    const [ready] = await listener.waitForField("READY", "1");
    expect(ready?.fields.STATUS).toMatch(/^\d\/2 running, 0 failed$/);
    // Children neither inherit the notify socket nor the watchdog settings.
    const children = await waitFor("a's process", () => {
      const found = processesWithEnv(`TEND_TEST_ID=${d.id}`, "TEND_PROCESS=a");
      return found.length > 0 ? found : null;
    });
    expect(children.map((c) => c.env.has("NOTIFY_SOCKET") || c.env.has("WATCHDOG_USEC"))).not.toContain(true);

    // A state change updates STATUS.
    expect((await d.cli("stop", "a")).code).toBe(0);
    await waitFor("STATUS=1/2 running", () => listener.indexesOf("STATUS", "1/2 running, 0 failed").length);

    // Reload through the CLI (the API), then through SIGHUP, then with a config that is refused.
    const original = readFileSync(d.configPath, "utf8");
    writeFileSync(d.configPath, `${original}\n${procs("c")}`);
    expect((await d.cli("reload")).code).toBe(0);
    await listener.waitForField("READY", "1", 2);
    d.proc?.kill("SIGHUP");
    await listener.waitForField("READY", "1", 3);
    writeFileSync(d.configPath, `${original}\n[processes.bad]\ncommand = []\n`);
    expect((await d.cli("reload")).code).toBe(1);
    await listener.waitForField("READY", "1", 4);

    expect((await d.cli("down")).code).toBe(0);
    await listener.waitForField("STOPPING", "1");
    await waitFor("tend up to exit", () => d.proc?.exitCode !== null);

    const readies = listener.indexesOf("READY", "1");
    const reloads = listener.indexesOf("RELOADING", "1");
    const stopping = listener.indexesOf("STOPPING", "1");
    expect({ readies: readies.length, reloads: reloads.length, stopping: stopping.length }).toEqual({
      readies: 4,
      reloads: 3,
      stopping: 1,
    });
    // READY, then (RELOADING, READY) three times, then STOPPING, and nothing ready after it.
    const sequence = [...readies.map((i) => [i, "READY"]), ...reloads.map((i) => [i, "RELOADING"])]
      .sort((x, y) => (x[0] as number) - (y[0] as number))
      .map((x) => x[1]);
    expect(sequence).toEqual(["READY", "RELOADING", "READY", "RELOADING", "READY", "RELOADING", "READY"]);
    expect(stopping[0]).toBeGreaterThan(readies.at(-1) as number);
    // MONOTONIC_USEC is CLOCK_MONOTONIC: a little before the listener received it, on the same clock.
    for (const i of reloads) {
      const m = listener.messages[i] as Datagram;
      const usec = Number(m.fields.MONOTONIC_USEC);
      expect(usec).toBeLessThanOrEqual(m.usec);
      expect(m.usec - usec).toBeLessThan(5_000_000);
    }
    expect(listener.indexesOf("WATCHDOG")).toEqual([]); // no WATCHDOG_USEC, no pings
  });

  test("WATCHDOG=1 every WATCHDOG_USEC/2, on a socket path", async () => {
    await using d = new TestDaemon(procs("a"));
    await using listener = await NotifyListener.start(join(d.dir.path, "notify.sock"));
    d.upEnv = { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "200000" };
    await d.start();
    const pings = await listener.waitForField("WATCHDOG", "1", 8);
    const gapsMs = pings.slice(1).map((p, i) => (p.usec - (pings[i] as Datagram).usec) / 1000);
    const median = [...gapsMs].sort((x, y) => x - y)[Math.floor(gapsMs.length / 2)] as number;
    // 100 ms expected; a loaded machine delays timers, so the bounds are wide.
    expect(median).toBeGreaterThan(60);
    expect(median).toBeLessThan(190);
  });

  test("WATCHDOG_PID naming another process: the watchdog is not ours, and no ping is sent", async () => {
    await using d = new TestDaemon(procs("a"));
    await using listener = await NotifyListener.start(join(d.dir.path, "notify.sock"));
    d.upEnv = { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "20000", WATCHDOG_PID: "1" };
    await d.start();
    await listener.waitForField("READY", "1");
    // Three reload round trips take far longer than the 10 ms a ping would come every.
    for (let i = 2; i <= 4; i++) {
      expect((await d.cli("reload")).code).toBe(0);
      await listener.waitForField("READY", "1", i);
    }
    expect(listener.indexesOf("WATCHDOG")).toEqual([]);
  });
});
