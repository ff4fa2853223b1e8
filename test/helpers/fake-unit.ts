import { toProcessSpec } from "../../src/config/process-spec.ts";
import { processSchema, type RawProcess } from "../../src/config/schema.ts";
import { RecordKeeper } from "../../src/store/record-keeper.ts";
import { Store } from "../../src/store/store.ts";
import { EventBus } from "../../src/supervisor/event-bus.ts";
import { Unit, type UnitDeps } from "../../src/supervisor/unit/unit.ts";
import { FakeLauncher } from "./fake-launcher.ts";
import { ManualClock } from "./manual-clock.ts";
import { tempDir } from "./temp.ts";

// One Unit named "svc" over a real store in a temp dir, a fake launcher and a manual
// clock; backoff 100 ms × 2 up to 1 s, no jitter. `deps` adds or replaces unit dependencies.
export function fakeUnit(overrides: Partial<RawProcess> = {}, deps: Partial<UnitDeps> = {}) {
  const dir = tempDir();
  const store = new Store(dir.path, { runRetention: 100, eventRetention: 10_000 });
  const clock = new ManualClock();
  const launcher = new FakeLauncher();
  const raw = {
    command: ["svc"],
    backoff: { initial: 100, factor: 2, max: 1000, jitter: 0, reset_after: 10_000 },
    ...overrides,
  };
  const spec = toProcessSpec("svc", processSchema.parse(raw), raw, null);
  const records = new RecordKeeper(store, { clock });
  const unit = new Unit(spec, "config", {
    clock,
    records,
    bus: new EventBus(records),
    launcher,
    random: () => 0.5,
    ...deps,
  });
  return {
    unit,
    clock,
    launcher,
    store,
    dispose() {
      store.close();
      dir[Symbol.dispose]();
    },
  };
}

// The state machine with the OS and the clock replaced: children end when the test says so,
// time moves only through clock.advance().
export function unitHarness(overrides: Partial<RawProcess> = {}) {
  const { unit, clock, launcher, store, dispose } = fakeUnit(overrides);
  return {
    unit,
    clock,
    launcher,
    store,
    // Every state change as "state(reason)", oldest first.
    trail: () =>
      store
        .events({ process: "svc" })
        .filter((e) => e.type === `process.${e.state}`)
        .map((e) => `${e.state}(${e.reason})`),
    delays: () =>
      store
        .events({ process: "svc", type: "process.backoff" })
        .map((e) => (e.details as { delayMs: number }).delayMs),
    lastChild: () => {
      const c = launcher.children.at(-1);
      if (!c) throw new Error("nothing was spawned");
      return c;
    },
    [Symbol.dispose]: dispose,
  };
}

export type UnitHarness = ReturnType<typeof unitHarness>;

// The current child exits with `code`; returns once the unit has handled it.
export async function crash(h: UnitHarness, code = 1): Promise<void> {
  h.lastChild().exit({ code, signal: null });
  await h.launcher.settle();
}
