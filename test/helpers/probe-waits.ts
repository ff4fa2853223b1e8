import type { ProcessDetail } from "../../src/domain/shapes.ts";
import type { EventRecord, Health } from "../../src/domain/types.ts";
import type { TestDaemon } from "./daemon.ts";
import { waitFor } from "./wait.ts";

// Waits until a process has `health`; a timeout reports its state, health and last probe.
export function waitHealth(
  d: TestDaemon,
  name: string,
  health: Health,
  timeoutMs = 10_000,
): Promise<ProcessDetail> {
  return waitFor(
    `${name} to be ${health}`,
    async () => {
      const p = await d.process(name);
      if (p.health !== health)
        throw new Error(`${name} is ${p.state}, ${p.health}; last probe ${JSON.stringify(p.lastProbe)}`);
      return p;
    },
    { timeoutMs },
  );
}

// Waits until the last probe result of a process says `message`; returns the process.
export function waitProbeMessage(d: TestDaemon, name: string, message: string, timeoutMs = 10_000) {
  return waitFor(
    `a probe of ${name} saying "${message}"`,
    async () => {
      const p = await d.process(name);
      if (p.lastProbe?.message !== message) throw new Error(`last probe ${JSON.stringify(p.lastProbe)}`);
      return p;
    },
    { timeoutMs },
  );
}

export function events(d: TestDaemon, name: string, type: string): Promise<EventRecord[]> {
  return d.json<EventRecord[]>("GET", `/v1/events?process=${name}&type=${type}&events=1000`);
}

// Waits for the first event of `type` for `name` and returns it.
export function waitEvent(
  d: TestDaemon,
  name: string,
  type: string,
  timeoutMs = 10_000,
): Promise<EventRecord> {
  return waitFor(`a ${type} event of ${name}`, async () => (await events(d, name, type))[0], { timeoutMs });
}
