import type { CheckOutcome, ProbeCheck } from "../../src/probes/types.ts";

// A probe check whose answers the test scripts: `true`/`false` answer at once, "hang" answers
// only when aborted (the runner's timeout) or released by the test. Counts how many runs were
// in flight at once, to catch a runner that overlaps itself.
export type Answer = boolean | "hang";

export class ScriptedCheck implements ProbeCheck {
  runs = 0;
  inFlight = 0;
  maxInFlight = 0;
  opened = 0;
  closed = 0;
  private answers: Answer[] = [];
  private hanging: ((o: CheckOutcome) => void)[] = [];
  private wake: (() => void) | null = null;

  constructor(private fallback: Answer = true) {}

  // The next answers, in order; then the fallback.
  script(...answers: Answer[]): this {
    this.answers.push(...answers);
    return this;
  }

  always(answer: Answer): this {
    this.answers = [];
    this.fallback = answer;
    return this;
  }

  // Lets every hanging run answer now.
  release(ok: boolean): void {
    for (const r of this.hanging.splice(0)) r({ ok, message: ok ? "released ok" : "released failing" });
  }

  // What a push-based check does when its answer may have changed.
  poke(): void {
    this.wake?.();
  }

  open(wake: () => void): void {
    this.opened++;
    this.wake = wake;
  }

  close(): void {
    this.closed++;
    this.wake = null;
  }

  async run(signal: AbortSignal): Promise<CheckOutcome> {
    this.runs++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const answer = this.answers.shift() ?? this.fallback;
      if (answer !== "hang") return { ok: answer, message: answer ? "ok" : "not ok" };
      return await new Promise<CheckOutcome>((resolve) => {
        this.hanging.push(resolve);
        signal.addEventListener("abort", () => resolve({ ok: false, message: "aborted" }), { once: true });
      });
    } finally {
      this.inFlight--;
    }
  }
}

// Lets every pending promise continuation run (setImmediate fires after the microtask queue).
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
