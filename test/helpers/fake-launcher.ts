import type { ProcessSpec } from "../../src/config/process-spec.ts";
import type { ExitInfo } from "../../src/domain/types.ts";
import type { StopTreeResult } from "../../src/proc/kill-tree.ts";
import type { ChildHandle } from "../../src/proc/spawn.ts";
import type { Launcher } from "../../src/supervisor/launcher.ts";

// Linux caps pid_max at 2^22, so these pids can never name a real process or group: a signal
// sent to one by the code under test fails with ESRCH instead of reaching anything.
const FAKE_PID_BASE = 1 << 30;

export interface FakeChild {
  name: string;
  runId: number;
  pid: number;
  ended: boolean;
  exit(info: ExitInfo): void;
}

export interface StopCall {
  runId: number;
  pid: number | null; // null: the clean-up of descendants after a run ended by itself
  signal: string;
}

// A Launcher with no OS underneath: children end when the test calls exit() or when stopped.
// hold() makes every stop wait until released, to open the windows where races live.
export class FakeLauncher implements Launcher {
  readonly children: FakeChild[] = [];
  readonly stopCalls: StopCall[] = [];
  failSpawn: string | null = null;
  // Whether a run that ends from now on leaves descendants behind: they live until a stop of
  // that run (the unit must clean up before going on).
  leaveLeftovers = false;
  private readonly withLeftovers = new Set<number>();
  private gate: Promise<void> | null = null;
  private inflight: Promise<unknown>[] = [];

  spawn(spec: ProcessSpec, runId: number): ChildHandle {
    if (this.failSpawn !== null) throw new Error(this.failSpawn);
    let resolve: (e: ExitInfo) => void = () => {};
    const exited = new Promise<ExitInfo>((r) => {
      resolve = r;
    });
    const launcher = this;
    const child: FakeChild = {
      name: spec.name,
      runId,
      pid: FAKE_PID_BASE + this.children.length,
      ended: false,
      exit(info) {
        if (child.ended) return;
        child.ended = true;
        if (launcher.leaveLeftovers) launcher.withLeftovers.add(runId);
        resolve(info);
      },
    };
    this.children.push(child);
    return { pid: child.pid, startTicks: null, exited, stdout: null, stderr: null };
  }

  probeCommand(spec: ProcessSpec, argv: string[], extraEnv: Record<string, string>) {
    const env = { ...(process.env as Record<string, string>), ...spec.env, ...extraEnv };
    return { argv, cwd: spec.cwd ?? process.cwd(), env };
  }

  readonly tracking = { mode: "tree" as const, describe: "fake", cgroupOf: () => null };
  readonly freezes: { runId: number; frozen: boolean }[] = [];

  freeze(_child: ChildHandle, runId: number, frozen: boolean): void {
    this.freezes.push({ runId, frozen });
  }

  release(): null {
    return null;
  }

  members(): number[] {
    return [];
  }

  holdsSocket(): boolean {
    return false;
  }

  leftovers(runId: number): number[] {
    return this.withLeftovers.has(runId) ? [FAKE_PID_BASE - runId] : [];
  }

  stop(child: ChildHandle | null, runId: number, signal: string): Promise<StopTreeResult> {
    this.stopCalls.push({ runId, pid: child?.pid ?? null, signal });
    const gate = this.gate;
    const done = (async () => {
      if (gate) await gate;
      const fake = this.children.find((c) => c.runId === runId);
      fake?.exit({ code: null, signal });
      this.withLeftovers.delete(runId);
      return { found: fake ? 1 : 0, killed: false, survivors: [] };
    })();
    this.inflight.push(done);
    return done;
  }

  // Resolves once every stop has finished and the continuations waiting on them have run
  // (setImmediate fires only after the microtask queue is empty). Never call it while held.
  async settle(): Promise<void> {
    for (;;) {
      const count = this.inflight.length;
      await Promise.all(this.inflight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.inflight.length === count) return;
    }
  }

  hold(): () => void {
    let release: () => void = () => {};
    this.gate = new Promise<void>((r) => {
      release = () => {
        this.gate = null;
        r();
      };
    });
    return release;
  }

  // Children that were started and have not ended: what would be running on a real host.
  get alive(): FakeChild[] {
    return this.children.filter((c) => !c.ended);
  }

  // Runs with anything alive, the leader or what it left behind: the copies a host would see.
  get liveRuns(): number[] {
    return this.children.filter((c) => !c.ended || this.withLeftovers.has(c.runId)).map((c) => c.runId);
  }
}
