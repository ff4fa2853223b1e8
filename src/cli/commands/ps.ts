import {
  type ProcessDetail,
  type ProcessSnapshot,
  TendApiError,
  type TendClient,
} from "../../client/index.ts";
import { formatBytes, formatDuration } from "../../config/units.ts";
import { bool, type ParsedArgs, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import { exitText, paint, progressText, psRows, time } from "../format.ts";
import { type Io, useColor } from "../io.ts";
import { statusLines } from "../probe-format.ts";
import type { Command } from "./types.ts";

// --sort KEY: the table's order (name by default; cpu, mem, uptime and restarts largest first).
const SORTS: Record<string, (a: ProcessSnapshot, b: ProcessSnapshot) => number> = {
  name: (a, b) => a.name.localeCompare(b.name),
  state: (a, b) => a.state.localeCompare(b.state) || a.name.localeCompare(b.name),
  pid: (a, b) => (a.pid ?? 0) - (b.pid ?? 0),
  cpu: (a, b) => (b.cpu ?? -1) - (a.cpu ?? -1),
  mem: (a, b) => (b.memory ?? -1) - (a.memory ?? -1),
  uptime: (a, b) => (b.uptimeMs ?? -1) - (a.uptimeMs ?? -1),
  restarts: (a, b) => b.restarts - a.restarts,
};

function psCommand(name: "ps" | "ls"): Command {
  return {
    name,
    takesNames: true,
    usage: `tend ${name} [NAME…] [--sort name|state|pid|cpu|mem|uptime|restarts] [--json]`,
    summary:
      name === "ps"
        ? "table of processes: name, state, health, pid, uptime, restarts, cpu, mem"
        : "the same as tend ps",
    flags: { ...CLIENT_FLAGS, json: { takes: "bool" }, sort: { takes: "value" } },
    async run(args: ParsedArgs, io: Io) {
      const sortKey = str(args, "sort");
      const order = sortKey === undefined ? null : SORTS[sortKey];
      if (order === undefined)
        throw usageError(`--sort ${sortKey}: use ${Object.keys(SORTS).join(", ")}`, name);
      let list = await (await clientFor(args, io)).list();
      const names = [...new Set(args.positionals)];
      if (names.length) {
        // A replicated process named as a whole is its copies.
        const of = (n: string) => list.filter((p) => p.name === n || p.replicaOf === n);
        const missing = names.filter((n) => of(n).length === 0);
        if (missing.length)
          throw new TendApiError(
            "PROCESS_NOT_FOUND",
            `no process named ${missing.map((n) => `"${n}"`).join(", ")}: see tend ps for the list`,
          );
        list = list.filter((p) => names.some((n) => p.name === n || p.replicaOf === n));
      }
      if (order) list = [...list].sort(order);
      if (bool(args, "json")) printJson(io, list);
      else io.out(psRows(list, useColor(io)));
      return 0;
    },
  };
}

export const ps = psCommand("ps");
export const ls = psCommand("ls");

export const status: Command = {
  name: "status",
  takesNames: true,
  usage: "tend status [NAME…] [--json]",
  summary: "processes in full, with their last runs (every process without a name)",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args, io) {
    const names = [...new Set(args.positionals)];
    const client = await clientFor(args, io);
    const color = useColor(io);
    const json = bool(args, "json");
    if (names.length !== 1) {
      // Every process (or those named), each in full: --json is the list of them.
      const wanted = names.length ? names : (await client.list()).map((p) => p.name);
      const all = await Promise.all(wanted.map((n) => client.get(n)));
      const details: ProcessDetail[] = await Promise.all(
        all.flatMap((got) =>
          "replicas" in got ? got.replicas.map((r) => detailOf(client, r.name)) : [Promise.resolve(got)],
        ),
      );
      if (json) printJson(io, details);
      else
        io.out(
          details.length ? `${details.map((p) => detailLines(p, color).join("\n")).join("\n\n")}\n` : "",
        );
      return 0;
    }
    const name = names[0] as string;
    const got = await client.get(name);
    // A replicated process: each copy in full, under the name of the whole.
    const details =
      "replicas" in got ? await Promise.all(got.replicas.map((r) => detailOf(client, r.name))) : [got];
    if (json) {
      printJson(io, "replicas" in got ? { ...got, replicas: details } : got);
      return 0;
    }
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
