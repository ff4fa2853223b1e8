import type { ProcessSpec } from "../config/process-spec.ts";
import type { LogHub } from "../logs/log-hub.ts";
import { type StopTreeResult, stopTree } from "../proc/kill-tree.ts";
import { childrenOfSelf, readStat, runMarkerOf } from "../proc/proc-fs.ts";
import { commandAs, resolveAccount } from "../proc/run-as.ts";
import { type ChildHandle, spawnChild, spawnedPids } from "../proc/spawn.ts";
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
      const marker = runMarker(runId);
      // As subreaper we inherit every orphan of the run, so they are among our children. Reading
      // those (a few small files) first spares the common case, none left, a scan of all of
      // /proc (2 ms with 165 processes on the host, more with each) on every restart. The
      // kernel may skip a child in that list when a sibling exits while it is read, so the list
      // counts only when two reads agree.
      const children = childrenOfSelf();
      const again = childrenOfSelf();
      const stable = children.length === again.length && children.every((pid, i) => again[i] === pid);
      const orphans = children.filter((pid) => !spawnedPids.has(pid));
      const marked = (pid: number) => {
        const st = readStat(pid);
        return st !== null && runMarkerOf(st) === marker;
      };
      if (stable && !orphans.some(marked)) return [];
      return findTree({ leaderPid: null, marker, markerScope: "reparented" });
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
