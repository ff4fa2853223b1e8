import type { ProcessSpec } from "../config/process-spec.ts";
import type { LogHub } from "../logs/log-hub.ts";
import { type StopTreeResult, stopTree } from "../proc/kill-tree.ts";
import { commandAs, resolveAccount } from "../proc/run-as.ts";
import { type ChildHandle, spawnChild } from "../proc/spawn.ts";
import { findTree } from "../proc/tree.ts";
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
      });
      const child = spawnChild({ cwd: spec.cwd, env, ...(account ? commandAs(account, argv) : { argv }) });
      const logs = opts.logs.for(spec.name, spec.logs);
      if (child.stdout) void logs.capture("stdout", child.stdout);
      if (child.stderr) void logs.capture("stderr", child.stderr);
      return child;
    },
    leftovers(runId) {
      return findTree({ leaderPid: null, marker: runMarker(runId), markerScope: "reparented" });
    },
    stop(child, runId, signal, timeoutMs) {
      return stopTree({
        leaderPid: child?.pid ?? null,
        marker: runMarker(runId),
        markerScope: "reparented",
        signal,
        timeoutMs,
      });
    },
  };
}
