import type { ProcessDetail, TendClient } from "../../client/index.ts";
import { formatBytes, formatDuration } from "../../config/units.ts";
import { bool, type ParsedArgs } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import { exitText, paint, progressText, psRows, time } from "../format.ts";
import { type Io, useColor } from "../io.ts";
import { statusLines } from "../probe-format.ts";
import type { Command } from "./types.ts";

export const ps: Command = {
  name: "ps",
  usage: "tend ps [--json]",
  summary: "table of processes: name, state, health, pid, uptime, restarts, cpu, mem",
  noArguments: true,
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args: ParsedArgs, io: Io) {
    const list = await (await clientFor(args, io)).list();
    if (bool(args, "json")) printJson(io, list);
    else io.out(psRows(list, useColor(io)));
    return 0;
  },
};

export const status: Command = {
  name: "status",
  usage: "tend status NAME [--json]",
  summary: "one process in full, with its last runs (each copy of a replicated one)",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args, io) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw usageError("tend status takes one process name", "status");
    const client = await clientFor(args, io);
    const got = await client.get(name);
    // A replicated process: each copy in full, under the name of the whole.
    const details =
      "replicas" in got ? await Promise.all(got.replicas.map((r) => detailOf(client, r.name))) : [got];
    if (bool(args, "json")) {
      printJson(io, "replicas" in got ? { ...got, replicas: details } : got);
      return 0;
    }
    const color = useColor(io);
    const head = "replicas" in got ? [`${got.name}: ${got.instances} replicas`, ""] : [];
    io.out(`${[...head, ...details.map((p) => detailLines(p, color).join("\n"))].join("\n\n")}\n`);
    return 0;
  },
};

// A copy of a replicated process, in full (a copy's name is never a replicated one's).
async function detailOf(client: TendClient, name: string): Promise<ProcessDetail> {
  const got = await client.get(name);
  if ("replicas" in got) throw new Error(`${name}: expected one process, got a replicated one`);
  return got;
}

function detailLines(p: ProcessDetail, color: boolean): string[] {
  const lines = [
    `name:      ${p.name} (${p.source})`,
    `state:     ${paint(p.state, p.state, color)}${p.reason ? ` (${p.reason})` : ""}`,
    `health:    ${paint(p.health, p.health, color)}`,
    `pid:       ${p.pid ?? "-"}`,
    `uptime:    ${p.uptimeMs === null ? "-" : formatDuration(p.uptimeMs)}`,
    `restarts:  ${p.restarts} (${p.consecutiveRestarts} in a row)`,
    p.command.length
      ? `command:   ${p.command.join(" ")}`
      : `script:    ${(p.spec as { script?: string } | null)?.script ?? "-"} (package.json)`,
    `cwd:       ${p.cwd ?? "-"}`,
    ...(p.port === null ? [] : [`port:      ${p.port}`]),
    `restart:   ${p.restartPolicy}`,
    `tracking:  ${p.tracking}`,
    ...(p.environment === null ? [] : [`env:       ${p.environment} (tend up --env)`]),
    ...(p.timeoutMs === null ? [] : [`timeout:   ${formatDuration(p.timeoutMs)}`]),
    ...overrideLines(p),
    ...triggerLines(p.triggers),
  ];
  if (p.progress) {
    lines.push(
      `progress:  ${progressText(p.progress)}`,
      `runtime:   ${formatDuration(p.progress.runtimeMs)}${p.progress.etaMs === null ? "" : `, about ${formatDuration(p.progress.etaMs)} left`}`,
    );
  }
  if (p.nextStartInMs !== null) lines.push(`next start: in ${formatDuration(p.nextStartInMs)}`);
  if (p.lastExit) lines.push(`last exit: ${exitText(p.lastExit.code, p.lastExit.signal)}`);
  if (p.lastError) lines.push(`error:     ${p.lastError}`);
  if (p.storeWarning) lines.push(`store:     ${p.storeWarning}`);
  lines.push(...statusLines(p, color));
  lines.push("", "recent runs:");
  for (const r of p.runs) {
    lines.push(
      `  ${time(r.startedAt)}  ${time(r.endedAt)}  pid ${r.pid}  ${exitText(r.exitCode, r.signal)}  ${r.reason ?? "running"}`,
    );
  }
  return lines;
}

function overrideLines(p: ProcessDetail): string[] {
  const o = p.overrides;
  if (!o) return [];
  const parts = [
    o.restart === undefined ? null : `restart=${o.restart}`,
    o.maxRestarts === undefined ? null : `max_restarts=${o.maxRestarts}`,
    o.maxMemoryBytes === undefined
      ? null
      : `max_memory=${o.maxMemoryBytes === null ? "none" : formatBytes(o.maxMemoryBytes)}`,
  ].filter((x) => x !== null);
  return [`set:       ${parts.join(" ") || "-"} (tend set; until --clear or a reload)`];
}

function triggerLines(t: ProcessDetail["triggers"]): string[] {
  if (!t) return [];
  const lines: string[] = [];
  const at = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  for (const [label, s] of [
    ["schedule:  ", t.schedule],
    ["restart_schedule: ", t.restartSchedule],
  ] as const) {
    if (!s) continue;
    const zone = s.timezone ? ` (${s.timezone})` : "";
    const skipped = s.skipped ? `; skipped ${s.skipped}, last due ${at(s.lastSkippedAt)}` : "";
    lines.push(`${label}${s.expression}${zone}, next ${at(s.nextAt)}, last ${at(s.lastAt)}${skipped}`);
  }
  if (t.watch) {
    const last = t.watch.lastChange;
    const change = last ? `; last restart by ${last.file} at ${at(last.at)}` : "";
    lines.push(`watch:     ${t.watch.patterns.join(" ")}${change}`);
  }
  return lines;
}
