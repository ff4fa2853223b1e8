import type { Clock } from "../../clock.ts";
import { describeCheck } from "../../config/probe-spec.ts";
import type { ProcessSpec } from "../../config/process-spec.ts";
import type { LastProbe, ProbeKind, ProbeReport, ProbeResult, ProbeStatus } from "../../domain/probes.ts";
import type { Health } from "../../domain/types.ts";
import type { LineStream } from "../../logs/line-stream.ts";
import { type CheckContext, type CheckFactory, createCheck } from "../../probes/create-check.ts";
import { ProbeRunner } from "../../probes/probe-runner.ts";
import { ProbeSet } from "../../probes/probe-set.ts";
import type { ScheduleStats } from "../../probes/schedule-stats.ts";
import type { Launcher } from "../launcher.ts";

export interface ProbeDeps {
  clock: Clock;
  lines: LineStream;
  checks?: CheckFactory; // tests pass fake checks
  scheduleStats?: ScheduleStats;
  launcher?: Pick<Launcher, "probeCommand">; // how an exec check runs as its process
}

// What the probes of a run need from their unit.
export interface ProbeHost {
  readonly name: string;
  readonly spec: ProcessSpec;
  // A verdict on health during run `runId`.
  probeHealth(runId: number, health: Health, reason: string): void;
  // Liveness or startup failed past its threshold during run `runId`.
  probeFailed(runId: number, kind: "liveness" | "startup", result: ProbeResult): void;
  emit(type: string, reason: string, details: Record<string, unknown>): void;
  // Whether run `runId`'s tree holds one of these sockets (false once it is over).
  holdsSocket(runId: number, inodes: Set<string>): boolean;
}

// A unit's probes: one ProbeSet per run, started with the run (from the run's own spec) and
// stopped when it ends, its verdicts handed to the unit with the run they are about.
export class UnitProbes {
  last: LastProbe | null = null;
  // Failed checks by probe kind since the supervisor started (the /metrics counter).
  readonly failureCounts: Record<string, number> = {};
  private set: ProbeSet | null = null;
  private specAtStart: ProcessSpec | null = null;

  constructor(
    private readonly host: ProbeHost,
    private readonly deps: ProbeDeps,
  ) {}

  // Starts the probes of run `runId`; returns the health the run starts with.
  begin(runId: number, spec: ProcessSpec): Health {
    this.end();
    this.specAtStart = spec;
    this.last = null;
    if (!ProbeSet.needed(spec.probes)) return "healthy";
    const { clock, lines, scheduleStats } = this.deps;
    const checks = this.deps.checks ?? createCheck;
    const launcher = this.deps.launcher;
    const set = new ProbeSet(
      spec.probes,
      (kind, onResult) => {
        const probe = spec.probes[kind];
        if (!probe) throw new Error(`no ${kind} probe`);
        // An exec check runs as the process runs (account, cwd, env) and is told what it checks:
        // TEND_PROBE_PROCESS=api, TEND_PROBE=readiness. It has no TEND_PROCESS or TEND_RUN, so
        // nothing takes it for a process of the run.
        const extra = { TEND_PROBE_PROCESS: spec.name, TEND_PROBE: kind };
        const ctx: CheckContext = {
          process: spec.name,
          command: (argv) =>
            launcher
              ? launcher.probeCommand(spec, argv, extra)
              : {
                  argv,
                  cwd: spec.cwd ?? process.cwd(),
                  env: { ...(process.env as Record<string, string>), ...spec.env, ...extra },
                },
          holdsSocket: (inodes) => this.host.holdsSocket(runId, inodes),
          ownerCheck: spec.probeOwnerCheck,
          lines,
        };
        return new ProbeRunner(probe, checks(probe.check, ctx), clock, onResult, scheduleStats);
      },
      {
        health: (health, kind) => {
          if (this.set === set) this.host.probeHealth(runId, health, kind);
        },
        fatal: (kind, result) => {
          if (this.set === set) this.host.probeFailed(runId, kind, result);
        },
        result: (kind, result, from, to) => {
          if (this.set === set) this.onResult(kind, result, from, to);
        },
      },
    );
    this.set = set;
    set.start();
    return set.initialHealth;
  }

  end(): void {
    this.set?.stop();
    this.set = null;
  }

  pause(): void {
    this.set?.pause();
  }

  resume(): void {
    this.set?.resume();
  }

  reports(): ProbeReport[] {
    const spec = this.specAtStart ?? this.host.spec;
    const out: ProbeReport[] = [];
    for (const kind of ["startup", "readiness", "liveness"] as const) {
      const probe = spec.probes[kind];
      if (!probe) continue;
      const runner = this.set?.runner(kind);
      out.push({
        kind,
        check: describeCheck(probe.check),
        status: runner?.tally.status ?? "unknown",
        active: runner?.running ?? false,
        successes: runner?.tally.successes ?? 0,
        failures: runner?.tally.failures ?? 0,
        last: runner?.last ?? null,
      });
    }
    return out;
  }

  private onResult(kind: ProbeKind, result: ProbeResult, from: ProbeStatus, to: ProbeStatus): void {
    // `tend ps` shows it next to health: the readiness result when there is a readiness probe.
    if (kind !== "liveness" || !this.specAtStart?.probes.readiness) this.last = { kind, ...result };
    if (!result.ok) this.failureCounts[kind] = (this.failureCounts[kind] ?? 0) + 1;
    const details = { probe: kind, ok: result.ok, message: result.message, latencyMs: result.latencyMs };
    if (to === "failing" && from !== "failing") {
      const failures = this.set?.runner(kind)?.tally.failures ?? 0;
      this.host.emit("probe.failed", kind, { ...details, failures });
    } else if (from === "failing" && to === "passing") {
      this.host.emit("probe.recovered", kind, details);
    }
  }
}
