import type { ProcessSpec } from "../../config/process-spec.ts";
import type { ExitInfo } from "../../domain/types.ts";
import { errorMessage, TendError } from "../../errors.ts";
import type { LineStream } from "../../logs/line-stream.ts";
import type { ProcessMetrics } from "../../metrics/sampler.ts";
import { findMainProcess, mainProcessHandle } from "../../proc/main-process.ts";
import type { RecordKeeper } from "../../store/record-keeper.ts";
import type { GateVerdict } from "../dependencies.ts";
import type { EventBus } from "../event-bus.ts";
import type { Launcher } from "../launcher.ts";
import { sendToRun } from "../signal-run.ts";
import type { Effect, Outcome } from "./inputs.ts";
import { isSuccess, outcomeAfter, type TendRestartReason } from "./outcome.ts";
import type { Overrides } from "./overrides.ts";
import type { ProbeDeps } from "./probes.ts";
import { launchRun, type Run, stopRunTree } from "./run.ts";
import type { Unit } from "./unit.ts";

export interface UnitDeps extends Omit<ProbeDeps, "lines"> {
  records: RecordKeeper;
  bus: EventBus;
  launcher: Launcher;
  random?: () => number;
  lines?: LineStream; // what log probes read; the supervisor passes the one its logs feed
  // Whether the unit's dependencies let it start now; absent: there is nothing to wait for.
  gate?: (spec: ProcessSpec) => GateVerdict;
  // The latest metrics sample of run `runId`'s tree; absent: metrics are off.
  usage?: (name: string, runId: number) => ProcessMetrics | null;
  // Resolves once every process that depends on this one is gone: a shutdown's order.
  stopTurn?: (name: string) => Promise<void>;
  // Called after every burst of steps: dependents may be able to go on.
  changed?: (unit: Unit) => void;
  // `tend set`'s overrides of the unit's policy; absent: there are none.
  overrides?: (spec: ProcessSpec) => Overrides | null;
  // A failure the unit survived, for the supervisor's log.
  report?: (message: string) => void;
}

// Carries out one effect of a step. Records go through the RecordKeeper, which never throws;
// a signal that fails throws TendError (the step is refused); anything else that throws is
// caught by the unit, recorded, and the machine goes on.
export function performEffect(u: Unit, e: Effect): void {
  const { deps } = u;
  switch (e.kind) {
    case "spawn":
      spawn(u);
      return;
    case "stop_tree":
      stopTree(u, e.ordered, e.force === true);
      return;
    case "kill_now":
      killNow(u);
      return;
    case "reset_counts":
      u.restarts = 0;
      u.restartsInRow = 0;
      return;
    case "signal":
      sendToRun(liveRun(u), e.signal);
      return;
    case "freeze": {
      const run = liveRun(u);
      deps.launcher.freeze(run.child, run.id, e.frozen);
      return;
    }
    case "mark_run":
      if (u.run && !u.run.exitRecorded) u.run.endReason = e.reason;
      return;
    case "record_exit":
      recordExit(u);
      return;
    case "record_end": {
      const run = u.run;
      if (!run) return;
      recordExit(u);
      run.deadline?.cancel();
      deps.records.endRun(run.id, deps.clock.wallMs(), run.exit, run.endReason ?? "stopped");
      const left = deps.launcher.release(run.id);
      if (left) u.report(`run ${run.id} is over, but ${left}`);
      u.run = null;
      return;
    }
    case "probes":
      probes(u, e.action);
      return;
    case "health":
      u.setHealth(e.health, e.reason);
      return;
    case "arm_backoff": {
      const atMs = deps.clock.nowMs() + e.delayMs;
      const timer = deps.clock.after(e.delayMs, () => {
        if (u.backoff?.timer !== timer) return;
        u.backoff = null;
        u.feed({ type: "backoff_due", gate: u.gate() });
      });
      u.backoff = { timer, atMs };
      return;
    }
    case "cancel_backoff":
      u.backoff?.timer.cancel();
      u.backoff = null;
      return;
    case "count":
      if (e.restartsInRow !== null) u.restartsInRow = e.restartsInRow;
      if (e.restart) u.restarts++;
      return;
    case "intent":
      if (u.intent === e.intent) return;
      u.intent = e.intent;
      if (e.intent === null) deps.records.deleteIntent(u.name);
      else deps.records.setIntent(u.name, e.intent, deps.clock.wallMs());
      return;
    case "error":
      u.lastError = e.error;
      return;
    case "waiting_for":
      u.waitingFor = e.list;
      return;
    case "last_exit":
      u.lastExit = e.exit;
      return;
    case "adopt_main": {
      const run = u.run;
      if (!run) return;
      run.child = mainProcessHandle(e.pid, e.startTicks);
      run.exit = null;
      run.forked = true;
      // The run's record names its main process now: recovery after a crash starts from it.
      u.deps.records.setRunPid(run.id, e.pid, e.startTicks, u.deps.launcher.tracking.cgroupOf(run.id));
      run.child.exited.then((exit) => leaderExited(u, run, exit));
      return;
    }
    case "close_progress":
      u.progress.close();
      return;
    case "emit":
      u.emit(e.type, u.reason ?? "", e.details);
      return;
  }
}

function liveRun(u: Unit): Run {
  const run = u.run;
  if (!run || run.exit !== null)
    throw new TendError("INVALID_STATE", `${u.name} is ${u.state}; there is no process to signal`);
  return run;
}

function spawn(u: Unit): void {
  const spec = u.spec;
  u.progress.begin(spec.progressPattern);
  const launched = launchRun(u.deps, spec);
  if ("error" in launched) {
    u.feedNext({ type: "spawn_failed", error: launched.error, outcome: spawnFailedOutcome(u) });
    return;
  }
  const run = launched.run;
  u.run = run;
  const timeoutMs = spec.timeoutMs;
  if (timeoutMs !== null)
    run.deadline = u.deps.clock.after(timeoutMs, () => {
      if (u.run === run) u.feed({ type: "timeout_reached", timeoutMs });
    });
  run.child.exited.then(
    (exit) => leaderExited(u, run, exit),
    (err) => {
      u.report(`waiting for pid ${run.child.pid} failed: ${errorMessage(err)}`);
      leaderExited(u, run, { code: null, signal: null });
    },
  );
  u.feedNext({ type: "spawned", runId: run.id, pid: run.child.pid });
}

// One stop per run: a second stop, restart or removal while it is under way only changes what
// follows it. The tree_gone it ends with carries what the rows decide on.
function stopTree(u: Unit, ordered: boolean, force: boolean): void {
  const run = u.run;
  if (!run || run.stopping) return;
  run.stopping = true;
  run.deadline?.cancel();
  void (async () => {
    let survivors: string | null;
    try {
      if (ordered) await u.deps.stopTurn?.(u.name);
      const stopped = await stopRunTree(u.deps.launcher, run, force);
      run.exit ??= stopped.exit;
      survivors = stopped.survivors;
    } catch (err) {
      // Whatever went wrong, the unit hears of the end of this stop, as one it cannot trust:
      // nothing new starts beside what may be left.
      survivors = `stopping run ${run.id} failed: ${errorMessage(err)}`;
      u.report(survivors);
    }
    u.feed({ type: "tree_gone", survivors, outcome: outcomeOf(u, run), gate: u.gate() });
  })();
}

// `tend stop --force` while a stop waits out stop_timeout: SIGKILL to the tree now; the stop
// under way sees the tree gone and ends as usual.
function killNow(u: Unit): void {
  const run = u.run;
  if (!run) return;
  void u.deps.launcher.stop(run.child, run.id, "SIGKILL", 0).catch((err: unknown) => {
    u.report(`killing run ${run.id} at once failed: ${errorMessage(err)}`);
  });
}

function recordExit(u: Unit): void {
  const run = u.run;
  if (!run || run.exitRecorded || run.exit === null) return;
  run.exitRecorded = true;
  const exit = run.exit;
  u.lastExit = exit;
  u.deps.records.noteRunExit(run.id, exit);
  const reason = run.endReason ?? "stopped";
  const durationMs = Math.round(u.deps.clock.nowMs() - run.startedAtMs);
  u.emit("run.exited", reason, { runId: run.id, pid: run.child.pid, ...exit, durationMs });
}

function probes(u: Unit, action: "begin" | "end" | "pause" | "resume"): void {
  const run: Run | null = u.run;
  if (action === "begin") {
    if (run) u.setHealth(u.probes.begin(run.id, run.spec), "running");
  } else if (action === "end") {
    u.probes.end();
    u.setHealth("unknown", u.reason ?? "");
  } else if (action === "pause") u.probes.pause();
  else u.probes.resume();
}

// The leader of `run` has exited; what the run left behind is looked for only while it runs.
function leaderExited(u: Unit, run: Run, exit: ExitInfo): void {
  if (u.run !== run || run.exit !== null) return;
  run.exit = exit;
  const ended = isSuccess(run.spec, exit) ? "exited" : "crashed";
  const live = u.phase === "running" || u.phase === "paused";
  // A guessed main process (no pid_file) may be the middle of a double fork: guessed again.
  const mayFork = !run.forked || run.spec.pidFile === null;
  if (live && run.spec.type === "forking" && mayFork && ended === "exited") {
    void forked(u, run);
    return;
  }
  noteExit(u, run, ended, live);
}

function noteExit(u: Unit, run: Run, ended: "exited" | "crashed", live: boolean): void {
  let leftovers: number[] | null = [];
  try {
    if (live) leftovers = u.deps.launcher.leftovers(run.id);
  } catch (err) {
    // Not knowing what is left is treated as something left: the run's tree is stopped.
    u.report(`looking for what run ${run.id} left failed: ${errorMessage(err)}`);
    leftovers = null;
  }
  u.feed({ type: "leader_exited", ended, leftovers, outcome: outcomeOf(u, run) });
}

// The program of a forking service exited 0: the run goes on in its main process, if one is
// there (its pid file, or the run's oldest process); otherwise the run is over.
async function forked(u: Unit, run: Run): Promise<void> {
  const leader = run.child;
  const main = await findMainProcess({
    pidFile: run.spec.pidFile,
    members: () => u.deps.launcher.members(leader, run.id),
    notBefore: run.firstStartTicks,
    mustBeMember: u.deps.launcher.tracking.mode === "cgroup",
  }).catch((err: unknown) => {
    u.report(`finding the main process of run ${run.id} failed: ${errorMessage(err)}`);
    return null;
  });
  if (u.run !== run) return;
  if (main && u.phase !== "running" && u.phase !== "paused") return;
  if (main) u.feed({ type: "main_forked", pid: main.pid, startTicks: main.startTicks });
  else noteExit(u, run, "exited", u.phase === "running" || u.phase === "paused");
}

// A spawn that failed counts as a run that crashed at once: restarted through the backoff as the
// policy says (and max_restarts); where the policy would not restart, the process has failed.
export function spawnFailedOutcome(u: Unit): Outcome {
  const o = outcomeAfter(u.policy, { exit: { code: null, signal: null } }, u.restartsInRow, 0, u.deps.random);
  if (o.kind === "exited") return { kind: "failed", reason: "spawn_failed" };
  return o.kind === "restart" ? { ...o, reason: "spawn_failed" } : o;
}

const TEND_ENDED: ReadonlySet<string> = new Set<TendRestartReason>([
  "liveness",
  "startup",
  "memory",
  "timeout",
]);

// What follows `run`'s end, decided by the unit's spec of now (the next run's) with the
// overrides of `tend set`.
function outcomeOf(u: Unit, run: Run): Outcome {
  const upMs = u.deps.clock.nowMs() - run.startedAtMs;
  const reason = run.endReason;
  const cause =
    reason !== null && TEND_ENDED.has(reason)
      ? { tend: reason as TendRestartReason }
      : { exit: run.exit ?? { code: null, signal: null } };
  return outcomeAfter(u.policy, cause, u.restartsInRow, upMs, u.deps.random);
}
