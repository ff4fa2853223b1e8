import type { Clock, TimerHandle } from "../clock.ts";
import type { SamplerStats } from "../domain/shapes.ts";
import { sampleTrees, type TreeRoot, type TreeUsage } from "./tree-sample.ts";

export interface ProcessMetrics {
  cpuPercent: number; // of one core, over the last interval
  rssBytes: number;
  fds: number;
  threads: number;
  pids: number;
  sampledAt: number; // epoch ms
}

export interface SamplerOptions {
  clock: Clock;
  intervalMs: number;
  roots: () => TreeRoot[]; // the running processes, asked at every tick
  onSample?: (name: string, m: ProcessMetrics) => void;
  clockTicksPerSecond?: number; // USER_HZ; 100 on every Linux tend targets
  // A process that needs samples whether anyone watches (max_memory). Absent: none does.
  needed?: () => boolean;
}

// What the benchmark and /v1/debug/metrics read about the sampler itself.
export type { SamplerStats };

// The shortest interval anything samples at, whatever metrics_interval says (0 included).
export const MIN_SAMPLE_MS = 100;

interface Previous {
  leaderPid: number;
  cpuTicks: number;
  atMs: number;
}

// Samples every running process tree once per interval with a single /proc scan, and sleeps
// (no timer at all) while nothing runs; wake() restarts it when a process starts.
export class MetricsSampler {
  private readonly latest = new Map<string, { marker: string; metrics: ProcessMetrics }>();
  private readonly previous = new Map<string, Previous>();
  private timer: TimerHandle | null = null;
  private stopped = false;
  lastTickCostMs = 0;
  lastTickCpuMs = 0;
  private ticks = 0;
  private lastTickMs = Number.NEGATIVE_INFINITY;
  private lastTickProcesses = 0;

  constructor(private readonly o: SamplerOptions) {}

  // The latest sample of `name`'s tree; with `marker`, only if it was taken of that run.
  get(name: string, marker?: string): ProcessMetrics | null {
    const l = this.latest.get(name);
    if (!l || (marker !== undefined && l.marker !== marker)) return null;
    return l.metrics;
  }

  stats(): SamplerStats {
    return {
      intervalMs: this.o.intervalMs,
      ticks: this.ticks,
      lastTickProcesses: this.lastTickProcesses,
      lastTickCostMs: Math.round(this.lastTickCostMs * 1000) / 1000,
      lastTickCpuMs: Math.round(this.lastTickCpuMs * 1000) / 1000,
    };
  }

  // A timer runs only while someone follows the figures (hold(): an event or sample stream, a
  // dashboard page) or a process needs them (max_memory). A read (ps, status, /metrics)
  // samples on the spot instead, at most once an interval, and leaves no timer behind.
  private holders = 0;

  private wanted(): boolean {
    return this.holders > 0 || (this.o.needed?.() ?? false);
  }

  // A process started: sampled from now on if anyone follows the figures.
  wake(): void {
    if (this.timer || this.stopped || !this.wanted()) return;
    this.timer = this.o.clock.after(0, () => this.tick());
  }

  // Someone reads the figures: unless the last sample is under an interval old, one is taken now
  // (a process started since has none until the next). Its CPU is the average since the previous
  // sample, or since the run started if it has none, as ps(1) gives a process's lifetime average.
  watched(): void {
    if (this.timer || this.stopped) return;
    if (this.o.clock.nowMs() - this.lastTickMs < this.o.intervalMs) return;
    this.tick();
  }

  // Someone watches for a while (an event or sample stream): until the release. A sample is
  // taken now unless the last is under an interval old (a stream that lists first and then
  // follows would otherwise get a second sample microseconds after the first, and a CPU % of
  // nothing); then the timer runs from when the last sample was taken.
  hold(): () => void {
    this.holders++;
    if (!this.timer && !this.stopped) {
      const since = this.o.clock.nowMs() - this.lastTickMs;
      if (since >= this.o.intervalMs) this.tick();
      else this.timer = this.o.clock.after(this.o.intervalMs - since, () => this.tick());
    }
    let held = true;
    return () => {
      if (held) this.holders--;
      held = false;
    };
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  tick(): void {
    this.timer = null;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const roots = this.o.roots();
    const usage = roots.length > 0 ? sampleTrees(roots) : new Map<string, TreeUsage>();
    const now = this.o.clock.nowMs();
    this.lastTickMs = now;
    const live = new Set<string>();
    for (const root of roots) {
      const u = usage.get(root.name);
      if (!u) continue;
      live.add(root.name);
      const m = this.compute(root, u, now);
      this.latest.set(root.name, { marker: root.marker, metrics: m });
      this.o.onSample?.(root.name, m);
    }
    for (const name of this.latest.keys()) {
      if (!live.has(name)) {
        this.latest.delete(name);
        this.previous.delete(name);
      }
    }
    this.lastTickCostMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    this.lastTickCpuMs = (cpu.user + cpu.system) / 1000;
    this.lastTickProcesses = roots.length;
    this.ticks++;
    if (roots.length > 0 && !this.stopped && this.wanted())
      this.timer = this.o.clock.after(this.o.intervalMs, () => this.tick());
  }

  private compute(root: TreeRoot, u: TreeUsage, now: number): ProcessMetrics {
    const hz = this.o.clockTicksPerSecond ?? 100;
    const before = this.previous.get(root.name);
    const prev =
      before?.leaderPid === root.leaderPid
        ? before
        : root.startedMs !== undefined
          ? { leaderPid: root.leaderPid, cpuTicks: 0, atMs: root.startedMs }
          : null;
    let cpuPercent = 0;
    if (prev && now > prev.atMs) {
      const ticks = Math.max(0, u.cpuTicks - prev.cpuTicks);
      cpuPercent = (ticks / hz / ((now - prev.atMs) / 1000)) * 100;
    }
    this.previous.set(root.name, { leaderPid: root.leaderPid, cpuTicks: u.cpuTicks, atMs: now });
    return {
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      rssBytes: u.rssBytes,
      fds: u.fds,
      threads: u.threads,
      pids: u.pids.length,
      sampledAt: this.o.clock.wallMs(),
    };
  }
}
