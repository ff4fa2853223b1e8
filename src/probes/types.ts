// What one check found. Outcomes are data: a probe that fails returns, it does not throw.
export interface CheckOutcome {
  ok: boolean;
  message: string;
}

// One kind of check against one process. `run` must settle soon after `signal` aborts (the
// runner aborts it at the probe's timeout). A push-based check (log lines) calls `wake` when
// its answer may have changed, so the runner can ask again without waiting for the next period.
export interface ProbeCheck {
  run(signal: AbortSignal): Promise<CheckOutcome>;
  open?(wake: () => void): void;
  close?(): void;
}
