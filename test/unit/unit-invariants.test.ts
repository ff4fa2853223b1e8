import { describe, expect, test } from "bun:test";
import { TendError } from "../../src/errors.ts";
import { unitHarness } from "../helpers/fake-unit.ts";
import { rng } from "../helpers/random.ts";

// Random sequences of operator actions, crashes, leftovers, held stops and time, against the
// fake launcher and a manual clock. After every step: never two live copies (a leader or what it
// left behind), a stop is never followed by a spawn until something starts the unit again, and
// a removed or shut down unit never spawns again.

const OPS = [
  "start",
  "stop",
  "restart",
  "pause",
  "signal",
  "crash",
  "exit0",
  "leftovers",
  "hold",
  "release",
  "tick",
  "settle",
] as const;
type Op = (typeof OPS)[number] | "remove" | "shutdown";

const turn = () => new Promise<void>((r) => setImmediate(r));

async function play(seed: number, length: number): Promise<{ ops: Op[]; violation: string | null }> {
  const random = rng(seed);
  using h = unitHarness({ restart: "always", max_restarts: 0 });
  const ops: Op[] = [];
  let release: (() => void) | null = null;
  let stoppedAt: number | null = null; // spawns when the last stop was asked, until a start
  let retiredAt: number | null = null;
  const unexpected: string[] = [];
  // A refusal (INVALID_STATE) is an answer; anything else thrown is a bug.
  const guard = (p: Promise<void> | (() => void)) => {
    const check = (err: unknown) => {
      if (!(err instanceof TendError && err.code === "INVALID_STATE")) unexpected.push(String(err));
    };
    if (typeof p === "function") {
      try {
        p();
      } catch (err) {
        check(err);
      }
    } else p.catch(check);
  };
  const spawned = () => h.launcher.children.length;
  for (let i = 0; i < length; i++) {
    let op: Op = OPS[Math.floor(random() * OPS.length)] as Op;
    if (i === length - 1) op = random() < 0.5 ? "remove" : "shutdown";
    ops.push(op);
    const live = h.launcher.alive.at(-1);
    switch (op) {
      case "start":
      case "restart":
        stoppedAt = null;
        guard(h.unit[op]());
        break;
      case "stop":
        stoppedAt ??= spawned();
        guard(h.unit.stop());
        break;
      case "pause":
        guard(() => h.unit.pause());
        break;
      case "signal":
        guard(() => h.unit.signal("SIGHUP"));
        break;
      case "crash":
      case "exit0":
        live?.exit({ code: op === "crash" ? 1 : 0, signal: null });
        break;
      case "leftovers":
        h.launcher.leaveLeftovers = !h.launcher.leaveLeftovers;
        break;
      case "hold":
        release ??= h.launcher.hold();
        break;
      case "release":
        release?.();
        release = null;
        break;
      case "tick":
        h.clock.advance(Math.floor(random() * 400));
        break;
      case "settle":
        break;
      case "remove":
        retiredAt = spawned();
        guard(h.unit.retire("removed"));
        break;
      case "shutdown":
        retiredAt = spawned();
        guard(h.unit.shutdown());
        break;
    }
    await turn();
    if (h.launcher.liveRuns.length > 1)
      return { ops, violation: `two live copies: runs ${h.launcher.liveRuns}` };
    if (stoppedAt !== null && spawned() > stoppedAt) return { ops, violation: "a spawn after a stop" };
    if (retiredAt !== null && spawned() > retiredAt) return { ops, violation: "a spawn after removal" };
    if (unexpected.length) return { ops, violation: `unexpected error: ${unexpected[0]}` };
  }
  // Let everything finish, time included: the retired unit stays put with nothing left alive.
  release?.();
  for (let i = 0; i < 5; i++) {
    h.clock.advance(10_000);
    await h.launcher.settle();
  }
  if (h.unit.phase !== "retired") return { ops, violation: `ended ${h.unit.phase}, not retired` };
  if (h.launcher.liveRuns.length > 0) return { ops, violation: `left alive: runs ${h.launcher.liveRuns}` };
  if (retiredAt !== null && spawned() > retiredAt) return { ops, violation: "a spawn after removal" };
  if (h.clock.pendingTimers > 0) return { ops, violation: `${h.clock.pendingTimers} timers left` };
  return { ops, violation: null };
}

describe("invariants over random action sequences", () => {
  test("300 sequences of 60 steps: one copy at most, stop wins, a removed unit never starts", async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const { ops, violation } = await play(seed, 60);
      if (violation) failures.push(`seed ${seed}: ${violation} after ${ops.join(" ")}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
