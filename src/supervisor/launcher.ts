import { join } from "node:path";
import { readEnvFile } from "../config/env-file.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { type StopTreeResult, stopTree } from "../proc/kill-tree.ts";
import { type ChildHandle, spawnChild } from "../proc/spawn.ts";
import { findTree } from "../proc/tree.ts";

// How a unit starts and stops OS processes; the seam between the state machine and the OS.
export interface Launcher {
  spawn(spec: ProcessSpec, runId: number): ChildHandle;
  stop(child: ChildHandle | null, runId: number, signal: string, timeoutMs: number): Promise<StopTreeResult>;
  // Live processes of a run whose leader has exited (one /proc scan).
  leftovers(runId: number): number[];
}

export interface LauncherOptions {
  logDir: string;
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
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
      if (spec.envFile) Object.assign(env, readEnvFile(spec.envFile));
      Object.assign(env, spec.env, {
        TEND_PROCESS: spec.name,
        TEND_SOCKET: opts.socketPath,
        // The marker lets a stop (and recovery after a crash) find descendants that left the group.
        TEND_RUN: String(runId),
      });
      return spawnChild({
        argv: spec.argv,
        cwd: spec.cwd,
        env,
        stdoutPath: join(opts.logDir, `${spec.name}.out.log`),
        stderrPath: join(opts.logDir, `${spec.name}.err.log`),
      });
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
