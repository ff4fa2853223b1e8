import type { ProcessProbes } from "../config/probe-spec.ts";
import type { ProbeKind, ProbeResult, ProbeStatus } from "../domain/probes.ts";
import type { Health } from "../domain/types.ts";
import type { ProbeRunner, ResultListener } from "./probe-runner.ts";

export interface ProbeSetHooks {
  // Readiness (or a passed startup probe, when there is no readiness) decided the health.
  health(health: Health, kind: ProbeKind): void;
  // Liveness, or startup, failed past its threshold: the run must be restarted.
  fatal(kind: "liveness" | "startup", result: ProbeResult): void;
  // Every result, with the probe's status before and after it.
  result(kind: ProbeKind, result: ProbeResult, from: ProbeStatus, to: ProbeStatus): void;
}

export type RunnerFactory = (kind: ProbeKind, onResult: ResultListener) => ProbeRunner;

// The probes of one run and how they gate each other: a startup probe holds readiness and
// liveness until it passes; readiness sets health and never restarts; liveness and a failed
// startup probe ask for a restart. A process without probes gets no ProbeSet and no timer.
export class ProbeSet {
  private readonly runners = new Map<ProbeKind, ProbeRunner>();
  private startupPassed: boolean;
  private paused = false;

  constructor(
    private readonly probes: ProcessProbes,
    makeRunner: RunnerFactory,
    private readonly hooks: ProbeSetHooks,
  ) {
    this.startupPassed = probes.startup === null;
    for (const kind of ["startup", "readiness", "liveness"] as const) {
      if (probes[kind])
        this.runners.set(
          kind,
          makeRunner(kind, (r, from, to) => this.onResult(kind, r, from, to)),
        );
    }
  }

  static needed(probes: ProcessProbes): boolean {
    return probes.startup !== null || probes.readiness !== null || probes.liveness !== null;
  }

  // The health a run starts with: unknown while a probe has to decide it.
  get initialHealth(): Health {
    return this.probes.startup || this.probes.readiness ? "unknown" : "healthy";
  }

  start(): void {
    this.paused = false;
    if (!this.startupPassed) this.runners.get("startup")?.start();
    else this.startMain();
  }

  stop(): void {
    for (const r of this.runners.values()) r.stop();
  }

  // A paused (SIGSTOPped) process cannot answer: no probe runs until it is resumed.
  pause(): void {
    this.paused = true;
    this.stop();
  }

  resume(): void {
    if (this.paused) this.start();
  }

  runner(kind: ProbeKind): ProbeRunner | undefined {
    return this.runners.get(kind);
  }

  private startMain(): void {
    this.runners.get("readiness")?.start();
    this.runners.get("liveness")?.start();
  }

  private onResult(kind: ProbeKind, result: ProbeResult, from: ProbeStatus, to: ProbeStatus): void {
    this.hooks.result(kind, result, from, to);
    if (from === to) return;
    if (kind === "startup") {
      if (to === "failing") {
        this.hooks.fatal("startup", result);
        return;
      }
      this.startupPassed = true;
      this.runners.get("startup")?.stop();
      this.startMain();
      if (!this.probes.readiness) this.hooks.health("healthy", "startup");
    } else if (kind === "readiness") {
      this.hooks.health(to === "passing" ? "healthy" : "unhealthy", "readiness");
    } else if (to === "failing") {
      this.hooks.fatal("liveness", result);
    }
  }
}
