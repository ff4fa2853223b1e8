import { describe, expect, test } from "bun:test";
import { computeEtaMs, parseProgress } from "../../src/domain/progress.ts";
import { LineStream } from "../../src/logs/line-stream.ts";
import { UnitProgress } from "../../src/supervisor/unit/progress.ts";
import { ManualClock } from "../helpers/manual-clock.ts";

describe("parseProgress", () => {
  test.each([
    ["42%", 0.42],
    ["42", 0.42],
    ["0.42", 0.42],
    [".5", 0.5],
    ["100%", 1],
    ["1.0", 1],
    ["0", 0],
    ["12.5%", 0.125],
    [" 7 % ", 0.07],
    ["150%", null],
    ["1.5", 0.015],
    ["-3", null],
    ["half", null],
    ["", null],
  ] as const)("%p → %p", (text, expected) => {
    expect(parseProgress(text)).toBe(expected);
  });
});

describe("computeEtaMs: runtime / progress × (1 − progress)", () => {
  test.each([
    [10_000, 0.5, 10_000],
    [10_000, 0.25, 30_000],
    [9000, 0.9, 1000],
    [5000, 1, 0],
    [5000, 0, null],
  ] as const)("runtime %d at %d → %p", (runtimeMs, fraction, eta) => {
    expect(computeEtaMs(runtimeMs, fraction)).toBe(eta);
  });
});

describe("UnitProgress", () => {
  function setup() {
    const clock = new ManualClock();
    const lines = new LineStream();
    const events: { progress: unknown; at: number }[] = [];
    const host = {
      name: "task",
      emit: (_type: string, _reason: string, details: Record<string, unknown> | null) =>
        events.push({ progress: details?.progress, at: clock.nowMs() }),
    };
    const progress = new UnitProgress(host, { clock, lines });
    const line = (text: string) => lines.publish({ process: "task", stream: "stdout", at: 0, text });
    return { clock, lines, events, progress, line };
  }

  test("lines matching the pattern report; others and a run without a pattern do not", () => {
    const h = setup();
    h.progress.begin(null);
    expect(h.lines.hasSubscribers("task")).toBe(false); // no pattern: output is never split
    h.progress.begin("^step (\\d+)/100$");
    h.line("step 20/100");
    h.line("noise 90/100");
    h.clock.advance(4000);
    expect(h.progress.info(true)).toEqual({
      fraction: 0.2,
      message: null,
      updatedAt: h.clock.wallMs() - 4000,
      runtimeMs: 4000,
      etaMs: 16_000,
    });
  });

  test("a new run starts from nothing; a finished run keeps its report without an ETA", () => {
    const h = setup();
    h.progress.begin(null);
    h.clock.advance(1000);
    h.progress.report(0.5, "halfway", "api");
    h.clock.advance(1000);
    expect(h.progress.info(false)).toMatchObject({
      fraction: 0.5,
      message: "halfway",
      runtimeMs: 1000,
      etaMs: null,
    });
    h.progress.begin(null);
    expect(h.progress.info(true)).toBeNull();
  });

  test("progress.updated goes out at most once a second, the latest value at the end of it", () => {
    const h = setup();
    h.progress.begin(null);
    for (let i = 1; i <= 25; i++) {
      h.progress.report(i / 100, null, "output");
      h.clock.advance(100);
    }
    h.clock.advance(2000);
    expect(h.events).toEqual([
      { progress: 0.01, at: 0 },
      { progress: 0.1, at: 1000 },
      { progress: 0.2, at: 2000 },
      { progress: 0.25, at: 3000 },
    ]);
  });

  test("close stops following the output", () => {
    const h = setup();
    h.progress.begin("(\\d+)%");
    h.progress.close();
    expect(h.lines.hasSubscribers("task")).toBe(false);
  });
});
