import { type CgroupTree, cgroupProcs, freezeCgroup, openCgroupTree, removeCgroup } from "../proc/cgroup.ts";
import { stopCgroup } from "../proc/cgroup-stop.ts";
import { type StopTreeResult, stopTree } from "../proc/kill-tree.ts";
import type { ChildHandle } from "../proc/spawn.ts";
import { findTree, orphansOf } from "../proc/tree.ts";
import { sendToRun } from "./signal-run.ts";

// How the processes of a run are known: by their cgroup (exact: nothing escapes), or, where
// cgroups cannot be used, by the leader's process tree and the TEND_RUN marker in each child's
// environment (a child that leaves the tree and clears its environment escapes).
export interface Tracking {
  readonly mode: "cgroup" | "tree";
  readonly describe: string; // for the log and tend status
  readonly hint: string | null; // what would make this mode work better on this host, for the log
  // Starts a run's leader through `spawn` so that the run's processes can be told apart.
  spawn(runId: number, spawn: () => ChildHandle): ChildHandle;
  // The cgroup a run lives in (stored with the run), or null.
  cgroupOf(runId: number): string | null;
  stop(child: ChildHandle | null, runId: number, signal: string, timeoutMs: number): Promise<StopTreeResult>;
  leftovers(runId: number): number[];
  members(child: ChildHandle, runId: number): number[];
  // Pause (SIGSTOP to every member, or cgroup.freeze) and resume.
  freeze(child: ChildHandle, runId: number, frozen: boolean): void;
  // The run cgroups there are now (before any start: those an earlier supervisor left).
  runCgroups(): string[];
  // A run is over: what it held (its empty cgroup) goes. null, or why it could not.
  release(runId: number): string | null;
  // A clean shutdown: what tracking made and nothing needs any more (the empty base cgroup) goes.
  // null, or what is left and why.
  close(): string | null;
}

export const runMarker = (runId: number): string => `TEND_RUN=${runId}`;

export function treeTracking(why: string): Tracking {
  return {
    mode: "tree",
    describe: `process tree and TEND_RUN marker (${why})`,
    hint: null,
    spawn: (_runId, spawn) => spawn(),
    cgroupOf: () => null,
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
    leftovers: (runId) => orphansOf(runMarker(runId)),
    members: (child, runId) =>
      findTree({
        leaderPid: child.pid,
        leaderStartTicks: child.startTicks,
        marker: runMarker(runId),
        markerScope: "reparented",
      }),
    freeze(child, runId, frozen) {
      sendToRun({ id: runId, child }, frozen ? "SIGSTOP" : "SIGCONT", true);
    },
    runCgroups: () => [],
    release: () => null,
    close: () => null,
  };
}

export function cgroupTracking(tree: CgroupTree): Tracking {
  return {
    mode: "cgroup",
    describe: `cgroups under ${tree.base}`,
    hint: tree.fastMoves
      ? null
      : "the cgroup2 hierarchy is not mounted with favordynmods: each start waits for the kernel " +
        "to move tend into the run's cgroup (about 5 ms); mount -o remount,favordynmods " +
        "<cgroup2 mount>, or boot with cgroup_favordynmods=1, makes it about 0.2 ms",
    spawn(runId, spawn) {
      const path = tree.runPath(runId);
      tree.create(path);
      try {
        return tree.spawnInside(path, spawn);
      } catch (err) {
        // Nothing was started in it (or what was is killed): the cgroup goes with the start.
        removeCgroup(path);
        throw err;
      }
    },
    cgroupOf: (runId) => tree.runPath(runId),
    stop(child, runId, signal, timeoutMs) {
      const leader = child ? { pid: child.pid, startTicks: child.startTicks } : null;
      return stopCgroup({
        path: tree.runPath(runId),
        leader,
        leaderExited: child?.exited,
        signal,
        timeoutMs,
      });
    },
    leftovers: (runId) => cgroupProcs(tree.runPath(runId)),
    members: (_child, runId) => cgroupProcs(tree.runPath(runId)),
    freeze(_child, runId, frozen) {
      freezeCgroup(tree.runPath(runId), frozen);
    },
    runCgroups: () => tree.runCgroups(),
    release: (runId) => removeCgroup(tree.runPath(runId)),
    close: () => tree.close(),
  };
}

// cgroups = "auto": each run in a cgroup where the host allows it (cgroup2 mounted, and tend
// may create cgroups and move itself); otherwise, or with "off", the process tree and marker.
export function chooseTracking(setting: "auto" | "off", stateKey: string): Tracking {
  if (setting === "off") return treeTracking('cgroups = "off"');
  const tree = openCgroupTree(stateKey);
  return "why" in tree ? treeTracking(tree.why) : cgroupTracking(tree);
}
