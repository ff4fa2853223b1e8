import type { Clock, TimerHandle } from "../clock.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { formatDuration } from "../config/units.ts";
import type { Acted } from "../domain/control.ts";
import type { ReplicaSet, StartResult } from "../domain/shapes.ts";
import type { EventRecord } from "../domain/types.ts";
import { errorMessage, TendError } from "../errors.ts";
import type { RecordKeeper } from "../store/record-keeper.ts";
import type { DependencyCoordinator } from "./dependency-coordinator.ts";
import { readinessBudgetMs, replicaSpecs } from "./replicas.ts";
import type { Unit } from "./unit/unit.ts";
import { snapshotOf } from "./unit/view.ts";

// The copies of a replicated process among the units, in order; [u] for a process of that name.
export function membersOf(units: ReadonlyMap<string, Unit>, name: string): Unit[] {
  const u = units.get(name);
  if (u) return [u];
  return [...units.values()]
    .filter((x) => x.spec.replica?.of === name)
    .sort((a, b) => (a.spec.replica?.index ?? 0) - (b.spec.replica?.index ?? 0));
}

export function replicaSet(name: string, members: Unit[]): ReplicaSet {
  return { name, instances: members.length, replicas: members.map(snapshotOf) };
}

// Does `act` to every copy (all of them, whatever one of them answers); a refusal of any is
// thrown afterwards, naming each copy it came from.
export async function onEach(members: Unit[], act: (u: Unit) => Promise<void> | void): Promise<void> {
  const results = await Promise.allSettled(members.map(async (u) => act(u)));
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [[members[i] as Unit, r.reason]] : []));
  if (failed.length === 0) return;
  const first = failed[0]?.[1];
  const code = first instanceof TendError ? first.code : "INVALID_STATE";
  throw new TendError(code, failed.map(([u, err]) => `${(u as Unit).name}: ${errorMessage(err)}`).join("; "));
}

// What a verb answers: the process, or the set when a replicated process was named as a whole.
// Whether any copy of `name` (or the process itself) is active, and the state of the first;
// null when there is no such process.
export function groupState(
  units: Map<string, Unit>,
  name: string,
): { active: boolean; state: string } | null {
  const members = membersOf(units, name);
  const first = members[0];
  return first ? { active: members.some((u) => u.isActive), state: first.state } : null;
}

export function answerFor(name: string, members: Unit[]): Acted {
  const one = members[0] as Unit;
  return one.name === name ? snapshotOf(one) : replicaSet(name, members);
}

// Does `action` to the named unit (or each copy) and answers with the state after; a refusal
// of any copy is thrown once the others have acted, naming it.
export function actOnEach(name: string, members: Unit[], action: (u: Unit) => void): Acted {
  const failed: string[] = [];
  let first: unknown = null;
  for (const u of members) {
    try {
      action(u);
    } catch (err) {
      if (members.length === 1) throw err;
      first ??= err;
      failed.push(`${u.name}: ${errorMessage(err)}`);
    }
  }
  if (failed.length)
    throw new TendError(first instanceof TendError ? first.code : "INVALID_STATE", failed.join("; "));
  return answerFor(name, members);
}

// Starts each copy (and first what it depends on); the answer names what was started for it.
export async function startEach(
  dependencies: DependencyCoordinator,
  name: string,
  members: Unit[],
  reason = "requested",
): Promise<Acted<StartResult>> {
  const started: string[] = [];
  await onEach(members, async (u) => {
    const r = dependencies.start(u, reason);
    started.push(...r.started);
    await r.done;
  });
  const one = members[0] as Unit;
  return one.name === name ? { ...snapshotOf(one), startedDependencies: started } : replicaSet(name, members);
}

// `tend scale` counts, kept in the store while the config's instances stay what they were when
// the process was scaled: a supervisor restart keeps the count; a reload (or restart) that
// changes instances in the config lets the config win.
export class ReplicaCounts {
  constructor(private readonly records: RecordKeeper) {}

  countOf(spec: ProcessSpec): number {
    const configured = spec.instances ?? 1;
    const stored = this.stored(spec.name);
    if (stored && stored.configured === configured) return stored.count;
    if (stored) this.forget(spec.name); // the config changed since: its count wins from now on
    return configured;
  }

  // A process no longer replicated, or whose instances changed: its `tend scale` count goes.
  forget(name: string): void {
    if (this.stored(name)) this.records.setMeta(`instances:${name}`, "");
  }

  // A reload keeps a `tend scale` count while the config's instances stay what they were; a
  // changed instances wins (and the scale is forgotten).
  afterReload(before: ProcessSpec[], next: ProcessSpec, members: Unit[], dryRun: boolean): number {
    const was = before.find((p) => p.name === next.name);
    const now = members.filter((u) => u.spec.replica).length;
    if (was?.instances === next.instances && now > 0) return now;
    if (!dryRun) this.forget(next.name);
    return next.instances ?? 1;
  }

  save(name: string, count: number, configured: number): void {
    this.records.setMeta(`instances:${name}`, JSON.stringify({ count, configured }));
  }

  private stored(name: string): { count: number; configured: number } | null {
    const text = this.records.store.meta(`instances:${name}`);
    if (!text) return null;
    try {
      const v = JSON.parse(text) as { count?: unknown; configured?: unknown };
      return typeof v.count === "number" && typeof v.configured === "number"
        ? { count: v.count, configured: v.configured }
        : null;
    } catch {
      return null; // not ours to read (a newer format): the config's count applies
    }
  }
}

// What scaling and rolling need of the supervisor.
export interface ReplicaHost {
  units: Map<string, Unit>;
  create(spec: ProcessSpec): Unit;
  start(u: Unit, reason?: string): Promise<void>;
  retire(u: Unit): Promise<void>;
  subscribe(listener: (e: EventRecord) => void): () => void;
  clock: Clock;
  emit(type: string, process: string, details: Record<string, unknown>): void;
}

// `tend scale NAME N`: copies are added (started if the process is running at all) or the last
// ones removed, stopped as whole trees. Kept across supervisor restarts (ReplicaCounts).
export async function scale(
  host: ReplicaHost,
  counts: ReplicaCounts,
  configured: ProcessSpec[],
  name: string,
  to: number,
): Promise<ReplicaSet> {
  const group = configured.find((p) => p.name === name && p.instances !== null);
  if (!group)
    throw new TendError("BAD_REQUEST", `${name} is not replicated: set instances = N in its config table`);
  if (!Number.isInteger(to) || to < 1 || to > 1000)
    throw new TendError("BAD_REQUEST", `instances must be a whole number from 1 to 1000, not ${to}`);
  if (group.port !== null && group.port + to - 1 > 65_535)
    throw new TendError(
      "BAD_REQUEST",
      `${to} copies of ${name} from port ${group.port} would go past port 65535`,
    );
  const members = membersOf(host.units, group.name);
  const from = members.length;
  counts.save(group.name, to, group.instances ?? 1);
  if (to < from) {
    const gone = members.slice(to);
    for (const u of gone) host.units.delete(u.name);
    // Each one's intent goes with its removal (the table's `forget`).
    await Promise.all(gone.map((u) => host.retire(u)));
  } else if (to > from) {
    const running = members.some((u) => u.isActive) || (from === 0 && group.autostart);
    const added = replicaSpecs(group, to)
      .slice(from)
      .map((spec) => host.create(spec));
    const taken = added.find((u) => host.units.has(u.name));
    if (taken) throw new TendError("PROCESS_EXISTS", `a process named "${taken.name}" already exists`);
    for (const u of added) host.units.set(u.name, u);
    if (running) await Promise.all(added.map((u) => host.start(u, "scaled")));
  }
  host.emit("process.scaled", group.name, { from, to });
  return replicaSet(group.name, membersOf(host.units, group.name));
}

// `tend restart NAME` of a replicated process: one copy at a time, the next once the restarted
// one is ready (healthy by its readiness probe, or running without one). A copy that is not
// ready within its readiness budget, or that ends instead, stops the roll: the rest are left
// as they were, and the restart fails naming it.
export async function rollingRestart(
  host: ReplicaHost,
  name: string,
  members: Unit[],
  reason = "restart",
): Promise<ReplicaSet> {
  for (const [i, u] of members.entries()) {
    if (host.units.get(u.name) !== u) continue; // scaled away meanwhile: nothing to restart
    await u.restart(reason);
    const why = await notReady(host, u);
    if (why) {
      const rest = members.slice(i + 1).map((m) => m.name);
      const left = rest.length ? `; ${rest.join(", ")} left as they were` : "";
      throw new TendError("NOT_READY", `rolling restart of ${name} stopped at ${u.name}: ${why}${left}`);
    }
  }
  return replicaSet(name, members);
}

// null once `u` is ready; otherwise why it is not, when it can no longer become so or its
// budget is spent. Follows the unit's events: no polling.
function notReady(host: ReplicaHost, u: Unit): Promise<string | null> {
  const budget = readinessBudgetMs(u.spec);
  const verdict = (): string | null | undefined => {
    if (u.state === "running" && (budget === null || u.health === "healthy")) return null;
    if (u.state === "stopped" || u.state === "exited" || u.state === "failed") return `it is ${u.state}`;
    return undefined; // not yet
  };
  return new Promise((resolve) => {
    const now = verdict();
    if (now !== undefined) return resolve(now);
    let timer: TimerHandle | undefined;
    const done = (v: string | null) => {
      timer?.cancel();
      unsubscribe();
      resolve(v);
    };
    const unsubscribe = host.subscribe((e) => {
      if (e.process !== u.name) return;
      const v = verdict();
      if (v !== undefined) done(v);
    });
    // Without a readiness probe a restart that ends running has no wait: 30 s covers a stop.
    const ms = budget ?? 30_000;
    timer = host.clock.after(ms, () =>
      done(`not ready within ${formatDuration(ms)} (${u.state}, health ${u.health})`),
    );
  });
}
