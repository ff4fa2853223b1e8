import type { ProcessSpec } from "../config/process-spec.ts";
import type { LogHub } from "../logs/log-hub.ts";
import { type StopTreeResult, stopTree } from "../proc/kill-tree.ts";
import { commandAs, resolveAccount } from "../proc/run-as.ts";
import { type ChildHandle, spawnChild } from "../proc/spawn.ts";
import { orphansOf } from "../proc/tree.ts";
import { childCommand } from "./child-env.ts";

// How a unit starts and stops OS processes; the seam between the state machine and the OS.
export interface Launcher {
  spawn(spec: ProcessSpec, runId: number): ChildHandle;
  stop(child: ChildHandle | null, runId: number, signal: string, timeoutMs: number): Promise<StopTreeResult>;
  // Live processes of a run whose leader has exited (one /proc scan).
  leftovers(runId: number): number[];
}

export interface LauncherOptions {
  logs: LogHub;
  socketPath: string;
  baseEnv?: Record<string, string | undefined>;
  // Names this supervisor (its state dir) in every child, so recovery after a crash never takes
  // another supervisor's run with the same run id for its own.
  ownerMarker?: string;
}

// "TEND_SUPERVISOR=<hash of the state dir>": the same for every start on one state dir.
export function ownerMarkerFor(stateDir: string): string {
  return `TEND_SUPERVISOR=${new Bun.CryptoHasher("sha256").update(stateDir).digest("hex").slice(0, 16)}`;
}

export function runMarker(runId: number): string {
  return `TEND_RUN=${runId}`;
}

export function createLauncher(opts: LauncherOptions): Launcher {
  const baseEnv = opts.baseEnv ?? process.env;
  return {
    spawn(spec, runId) {
      const account = resolveAccount(spec.user, spec.group);
      const { argv, env } = childCommand(spec, baseEnv, account?.env ?? {}, {
        TEND_PROCESS: spec.name,
        TEND_SOCKET: opts.socketPath,
        // The marker lets a stop (and recovery after a crash) find descendants that left the group.
        TEND_RUN: String(runId),
        ...(opts.ownerMarker ? { TEND_SUPERVISOR: opts.ownerMarker.slice("TEND_SUPERVISOR=".length) } : {}),
      });
      const child = spawnChild({ cwd: spec.cwd, env, ...(account ? commandAs(account, argv) : { argv }) });
      const logs = opts.logs.for(spec.name, spec.logs);
      if (child.stdout) void logs.capture("stdout", child.stdout);
      if (child.stderr) void logs.capture("stderr", child.stderr);
      return child;
    },
    leftovers(runId) {
      return orphansOf(runMarker(runId));
    },
    stop(child, runId, signal, timeoutMs) {
      return stopTree({
        leaderPid: child?.pid ?? null,
        leaderStartTicks: child?.startTicks ?? null,
        marker: runMarker(runId),
        markerScope: "reparented",
        signal,
        timeoutMs,
      });
    },
  };
}
