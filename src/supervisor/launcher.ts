import type { ProcessSpec } from "../config/process-spec.ts";
import { TendError } from "../errors.ts";
import type { LogHub } from "../logs/log-hub.ts";
import type { StopTreeResult } from "../proc/kill-tree.ts";
import { describeHolder, holderAmong, localListeners } from "../proc/port-owner.ts";
import { commandAs } from "../proc/run-as.ts";
import { type ChildHandle, spawnChild } from "../proc/spawn.ts";
import { requireSpawnPlan, type SpawnPlan } from "./spawn-plan.ts";
import { type Tracking, treeTracking } from "./tracking.ts";

// How a unit starts and stops OS processes; the seam between the state machine and the OS.
export interface Launcher {
  spawn(spec: ProcessSpec, runId: number): ChildHandle;
  stop(child: ChildHandle | null, runId: number, signal: string, timeoutMs: number): Promise<StopTreeResult>;
  // Live processes of a run whose leader has exited.
  leftovers(runId: number): number[];
  // Pause (frozen) or resume every process of a run.
  freeze(child: ChildHandle, runId: number, frozen: boolean): void;
  // A run is over (its whole tree gone): what tracked it (an empty cgroup) goes.
  release(runId: number): string | null; // null, or why what the run held could not go
  // The live processes of a run (its cgroup, or its tree and marker).
  members(child: ChildHandle, runId: number): number[];
  // How runs are told apart here (cgroups, or the process tree and marker), and a run's cgroup.
  readonly tracking: Pick<Tracking, "mode" | "describe" | "cgroupOf">;
  // Whether a process of the run holds one of the socket `inodes` (the leader is looked at
  // first; the whole tree only if it does not).
  holdsSocket(child: ChildHandle, runId: number, inodes: Set<string>): boolean;
  // How an exec probe of `spec` runs: as the process runs (account, cwd, env), with this
  // supervisor's TEND_SOCKET, but outside the run (no TEND_RUN or TEND_PROCESS).
  probeCommand(spec: ProcessSpec, argv: string[], extraEnv: Record<string, string>): ProbeCommand;
}

export interface ProbeCommand {
  argv: string[];
  argv0?: string;
  cwd: string;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

export interface LauncherOptions {
  logs: LogHub;
  socketPath: string;
  baseEnv?: Record<string, string | undefined>;
  // Names this supervisor (its state dir) in every child, so recovery after a crash never takes
  // another supervisor's run with the same run id for its own.
  ownerMarker?: string;
  tracking?: Tracking; // default: the process tree and marker
}

// A short name of a state dir, the same for every start on it: in each child's environment
// ("TEND_SUPERVISOR=<key>") and in the name of the supervisor's cgroup.
export function stateKeyOf(stateDir: string): string {
  return new Bun.CryptoHasher("sha256").update(stateDir).digest("hex").slice(0, 16);
}

export function ownerMarkerFor(stateDir: string): string {
  return `TEND_SUPERVISOR=${stateKeyOf(stateDir)}`;
}

export function createLauncher(opts: LauncherOptions): Launcher {
  const baseEnv = opts.baseEnv ?? process.env;
  const tracking = opts.tracking ?? treeTracking("not asked for cgroups");
  return {
    tracking,
    spawn(spec, runId) {
      const plan = requireSpawnPlan(spec, baseEnv, {
        TEND_PROCESS: spec.name,
        TEND_SOCKET: opts.socketPath,
        // The marker lets a stop (and recovery after a crash) find descendants that left the group.
        TEND_RUN: String(runId),
        ...(opts.ownerMarker ? { TEND_SUPERVISOR: opts.ownerMarker.slice("TEND_SUPERVISOR=".length) } : {}),
      });
      refuseHeldPort(spec);
      const child = tracking.spawn(runId, () =>
        spawnChild({ cwd: plan.cwd, env: plan.env, ...asAccount(plan) }),
      );
      const logs = opts.logs.for(spec.name, spec.logs);
      if (child.stdout) void logs.capture("stdout", child.stdout);
      if (child.stderr) void logs.capture("stderr", child.stderr);
      return child;
    },
    probeCommand(spec, argv, extraEnv) {
      const plan = requireSpawnPlan({ ...spec, argv }, baseEnv, {
        TEND_SOCKET: opts.socketPath,
        ...extraEnv,
      });
      const { TEND_PROCESS: _p, TEND_RUN: _r, TEND_SUPERVISOR: _s, ...env } = plan.env;
      return { cwd: plan.cwd, env, ...asAccount(plan) };
    },
    leftovers: (runId) => tracking.leftovers(runId),
    freeze: (child, runId, frozen) => tracking.freeze(child, runId, frozen),
    release: (runId) => tracking.release(runId),
    members: (child, runId) => tracking.members(child, runId),
    holdsSocket(child, runId, inodes) {
      if (holderAmong([child.pid], inodes) !== null) return true;
      return holderAmong(tracking.members(child, runId), inodes) !== null;
    },
    stop: (child, runId, signal, timeoutMs) => tracking.stop(child, runId, signal, timeoutMs),
  };
}

// The command line for the plan's account. setpriv finds the program on the same PATH itself
// (it execs in place); without it the file found is run, and argv[0] stays as written.
function asAccount(plan: SpawnPlan): { argv: string[]; argv0?: string; uid?: number; gid?: number } {
  const direct = [plan.program, ...plan.argv.slice(1)];
  if (!plan.account) return { argv: direct, argv0: plan.argv[0] };
  const cmd = commandAs(plan.account, plan.argv);
  return cmd.argv[0] === plan.argv[0] ? { ...cmd, argv: direct, argv0: plan.argv[0] } : cmd;
}

// A process with `port` starts only when nothing else listens there: otherwise it would fail to
// bind, or worse, its probes would pass on the other program's port.
function refuseHeldPort(spec: ProcessSpec): void {
  if (spec.port === null) return;
  const inodes = localListeners(spec.port);
  if (inodes.size === 0) return;
  throw new TendError(
    "SPAWN_FAILED",
    `cannot start ${spec.name}: processes.${spec.name}.port: ${describeHolder(spec.port, inodes)}`,
  );
}
