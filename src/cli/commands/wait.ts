import { systemClock } from "../../clock.ts";
import { formatDuration, parseDurationMs } from "../../config/units.ts";
import type { EventRecord, Health, ProcessSnapshot, ProcessState } from "../../domain/types.ts";
import { durationFlag, str } from "../args.ts";
import { CliError, EXIT, usageError } from "../cli-error.ts";
import type { Client } from "../client.ts";
import { CLIENT_FLAGS, clientFor } from "../context.ts";
import type { Command } from "./types.ts";

type Condition = "started" | "healthy" | "exited";
const CONDITIONS: readonly Condition[] = ["started", "healthy", "exited"];

interface Seen {
  state: ProcessState;
  health: Health;
}

const up = (s: ProcessState) => s === "running" || s === "paused";

export function conditionMet(c: Condition, p: Seen): boolean {
  if (c === "started") return up(p.state);
  if (c === "healthy") return up(p.state) && p.health === "healthy";
  return p.state === "exited" || p.state === "failed";
}

// States nothing but an operator moves a process out of: waiting longer cannot help. A stopped
// process never exits by itself, and a stopped, finished or failed one never starts by itself.
function hopeless(c: Condition, p: Seen): boolean {
  if (c === "exited") return p.state === "stopped";
  return p.state === "stopped" || p.state === "exited" || p.state === "failed";
}

// `tend wait`: follows the event stream (snapshot first, then every change), so it answers the
// moment the last condition holds, with no polling.
export const wait: Command = {
  name: "wait",
  usage: "tend wait NAME… [--for started|healthy|exited] [--timeout 30s]",
  summary: "wait until processes are started, healthy (default) or exited; exit 1 on timeout",
  flags: { ...CLIENT_FLAGS, for: { takes: "value" }, timeout: { takes: "value" } },
  async run(args, io) {
    const names = [...new Set(args.positionals)];
    if (names.length === 0) throw usageError("tend wait needs at least one process name", "wait");
    const cond = (str(args, "for") ?? "healthy") as Condition;
    if (!CONDITIONS.includes(cond)) throw usageError(`--for ${cond}: use started, healthy or exited`, "wait");
    const timeoutText = str(args, "timeout") ?? "30s";
    const timeoutMs = parseDurationMs(
      timeoutText === "0" ? "0ms" : durationFlag("timeout", timeoutText, "wait"),
    );
    if (timeoutMs === null)
      throw usageError(`--timeout ${timeoutText}: expected a duration like 30s`, "wait");
    const client = await clientFor(args, io);
    const outcome = await follow(client, names, cond, timeoutMs);
    if (outcome === "met") {
      io.out(`${names.join(", ")}: ${cond}\n`);
      return EXIT.ok;
    }
    // One fresh look for the message: states, health and the last probe result as they are now.
    const list = await client.request<ProcessSnapshot[]>("GET", "/v1/processes");
    const unmet = list.filter((p) => names.includes(p.name) && !conditionMet(cond, p));
    const why =
      outcome === "timeout"
        ? timeoutMs === 0
          ? "checked once (--timeout 0)"
          : `timed out after ${formatDuration(timeoutMs)}`
        : outcome;
    io.err(`tend wait: ${why}; not ${cond}:\n${unmet.map((p) => `  ${describe(p)}\n`).join("")}`);
    return EXIT.failed;
  },
};

async function follow(
  client: Client,
  names: string[],
  cond: Condition,
  timeoutMs: number,
): Promise<"met" | "timeout" | string> {
  const seen = new Map<string, Seen>();
  const ac = new AbortController();
  // With --timeout 0 the snapshot alone answers; the timer only bounds a supervisor that never sends it.
  const timer = systemClock.after(timeoutMs === 0 ? 10_000 : timeoutMs, () => ac.abort());
  const verdict = (): "met" | string | null => {
    const all = names.map((n) => [n, seen.get(n)] as const);
    if (all.every(([, p]) => p && conditionMet(cond, p))) return "met";
    const lost = all.find(([, p]) => p && !conditionMet(cond, p) && hopeless(cond, p));
    if (lost) return `${lost[0]} is ${lost[1]?.state} and cannot become ${cond} by itself`;
    return null;
  };
  try {
    for await (const { event, data } of client.stream("/v1/events?follow=1", ac.signal)) {
      if (event === "snapshot") {
        const list = data as ProcessSnapshot[];
        // A replicated process named as a whole is waited for copy by copy (each must get there).
        const copiesOf = (n: string) => list.filter((p) => p.replicaOf === n).map((p) => p.name);
        const missing = names.filter((n) => !list.some((p) => p.name === n) && copiesOf(n).length === 0);
        if (missing.length)
          throw new CliError(
            `tend: no process named ${missing.map((n) => `"${n}"`).join(", ")}`,
            EXIT.failed,
          );
        const expanded = names.flatMap((n) => (list.some((p) => p.name === n) ? [n] : copiesOf(n)));
        names.splice(0, names.length, ...new Set(expanded));
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
      if (v !== null) return v;
      // --timeout 0: one look at the snapshot, no waiting.
      if (timeoutMs === 0) return "timeout";
    }
    return ac.signal.aborted ? "timeout" : "the supervisor stopped";
  } catch (err) {
    if (ac.signal.aborted) return "timeout";
    throw err;
  } finally {
    timer.cancel();
    ac.abort();
  }
}

function describe(p: ProcessSnapshot): string {
  const parts = [`${p.name}: ${p.state}${p.reason ? ` (${p.reason})` : ""}`, `health ${p.health}`];
  if (p.waitingFor?.length) parts.push(`waiting for ${p.waitingFor.join(", ")}`);
  if (p.lastProbe) parts.push(`last probe ${p.lastProbe.kind}: ${p.lastProbe.message}`);
  return parts.join(", ");
}
