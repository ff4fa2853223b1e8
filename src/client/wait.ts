import type { EventRecord, Health, ProcessSnapshot, ProcessState } from "../api/surface.gen.ts";
import { formatDuration, parseDurationMs } from "../config/units.ts";
import { TendApiError } from "./error.ts";
import type { TendClient } from "./index.ts";

export type WaitCondition = "started" | "healthy" | "exited";
export const WAIT_CONDITIONS: readonly WaitCondition[] = ["started", "healthy", "exited"];
export interface WaitOptions {
  for?: WaitCondition; // default "healthy"
  timeout?: number | string; // ms or "30s"; default 30 s; 0: look once
}

// A time given as ms or as a duration like "30s".
export function msOf(v: number | string, what: string): number {
  const ms = typeof v === "number" ? v : v === "0" ? 0 : parseDurationMs(v);
  if (ms === null || !(ms >= 0))
    throw new TendApiError("BAD_REQUEST", `${what}: expected ms or a duration like "30s"`);
  return ms;
}

// wait(): follows the event stream (snapshot first, then every change), so it answers the moment
// the last condition holds, with no polling.
interface Seen {
  state: ProcessState;
  health: Health;
}
const up = (s: ProcessState) => s === "running" || s === "paused";

export function conditionMet(c: WaitCondition, p: Seen): boolean {
  if (c === "started") return up(p.state);
  if (c === "healthy") return up(p.state) && p.health === "healthy";
  return p.state === "exited" || p.state === "failed";
}

// States nothing but an operator moves a process out of: waiting longer cannot help. A stopped
// process never exits by itself, and a stopped, finished or failed one never starts by itself.
function hopeless(c: WaitCondition, p: Seen): boolean {
  if (c === "exited") return p.state === "stopped";
  return p.state === "stopped" || p.state === "exited" || p.state === "failed";
}

type RawEvents = (signal: AbortSignal) => AsyncIterable<{ event: string; data: unknown }>;

export async function waitFor(
  client: TendClient,
  stream: RawEvents,
  wanted: string[],
  o: WaitOptions,
): Promise<ProcessSnapshot[]> {
  const cond = o.for ?? "healthy";
  if (!WAIT_CONDITIONS.includes(cond))
    throw new TendApiError("BAD_REQUEST", `for: ${cond}: use started, healthy or exited`);
  const timeoutMs = msOf(o.timeout ?? 30_000, "timeout");
  if (wanted.length === 0) throw new TendApiError("BAD_REQUEST", "wait() needs at least one process name");
  let names = [...new Set(wanted)];
  const seen = new Map<string, Seen>();
  const ac = new AbortController();
  // With a timeout of 0 the snapshot alone answers; the timer only bounds a supervisor that never sends it.
  const timer = setTimeout(() => ac.abort(), timeoutMs === 0 ? 10_000 : timeoutMs);
  const verdict = (): "met" | string | null => {
    const all = names.map((n) => [n, seen.get(n)] as const);
    if (all.every(([, p]) => p && conditionMet(cond, p))) return "met";
    const lost = all.find(([, p]) => p && !conditionMet(cond, p) && hopeless(cond, p));
    if (lost) return `${lost[0]} is ${lost[1]?.state} and cannot become ${cond} by itself`;
    return null;
  };
  let outcome = "the supervisor stopped";
  try {
    for await (const { event, data } of stream(ac.signal)) {
      if (event === "snapshot") {
        const list = data as ProcessSnapshot[];
        // A replicated process named as a whole is waited for copy by copy (each must get there).
        const copiesOf = (n: string) => list.filter((p) => p.replicaOf === n).map((p) => p.name);
        const missing = names.filter((n) => !list.some((p) => p.name === n) && copiesOf(n).length === 0);
        if (missing.length)
          throw new TendApiError(
            "PROCESS_NOT_FOUND",
            `no process named ${missing.map((n) => `"${n}"`).join(", ")}`,
          );
        names = [...new Set(names.flatMap((n) => (list.some((p) => p.name === n) ? [n] : copiesOf(n))))];
        for (const p of list)
          if (names.includes(p.name)) seen.set(p.name, { state: p.state, health: p.health });
      } else if (event === "event") {
        const e = data as EventRecord;
        const p = e.process === null ? undefined : seen.get(e.process);
        if (!p) continue;
        if (e.state) p.state = e.state;
        if (e.type === "health.changed") p.health = (e.details?.health as Health | undefined) ?? p.health;
      }
      const v = verdict();
      if (v !== null) {
        outcome = v;
        break;
      }
      // A timeout of 0: one look at the snapshot, no waiting.
      if (timeoutMs === 0) {
        outcome = "checked once (timeout 0)";
        break;
      }
    }
    if (ac.signal.aborted) outcome = `timed out after ${formatDuration(timeoutMs)}`;
  } catch (err) {
    if (!ac.signal.aborted) throw err;
    outcome = `timed out after ${formatDuration(timeoutMs)}`;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  // One fresh look: states, health and the last probe result as they are now.
  const list = await client.list();
  if (outcome === "met") return list.filter((p) => names.includes(p.name));
  const unmet = list.filter((p) => names.includes(p.name) && !conditionMet(cond, p));
  throw new TendApiError(
    outcome.startsWith("timed out") || outcome.startsWith("checked once") ? "TIMEOUT" : "INVALID_STATE",
    `${outcome}; not ${cond}:\n${unmet.map((p) => `  ${describe(p)}\n`).join("")}`,
  );
}

function describe(p: ProcessSnapshot): string {
  const parts = [`${p.name}: ${p.state}${p.reason ? ` (${p.reason})` : ""}`, `health ${p.health}`];
  if (p.waitingFor?.length) parts.push(`waiting for ${p.waitingFor.join(", ")}`);
  if (p.lastProbe) parts.push(`last probe ${p.lastProbe.kind}: ${p.lastProbe.message}`);
  return parts.join(", ");
}
