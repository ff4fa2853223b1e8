import { formatDuration } from "../../config/units.ts";
import type { EventRecord, RunRecord } from "../../domain/types.ts";
import { bool, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor } from "../context.ts";
import { exitText, table, time } from "../format.ts";
import type { Io } from "../io.ts";
import type { Command } from "./types.ts";

export const history: Command = {
  name: "history",
  usage: "tend history NAME [-n N] [--json]",
  summary: "runs of a process, newest first: start, end, duration, exit, reason",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" }, lines: { takes: "value", alias: "-n" } },
  async run(args, io) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw usageError("tend history takes one process name", "history");
    const n = str(args, "lines") ?? "50";
    if (!/^\d+$/.test(n)) throw usageError(`-n ${n}: expected a whole number`, "history");
    const client = await clientFor(args, io);
    const runs = await client.request<RunRecord[]>(
      "GET",
      `/v1/processes/${encodeURIComponent(name)}/history?lines=${n}`,
    );
    if (bool(args, "json")) {
      io.out(`${JSON.stringify(runs, null, 2)}\n`);
      return 0;
    }
    const rows = runs.map((r) => [
      String(r.id),
      time(r.startedAt),
      time(r.endedAt),
      r.endedAt === null ? "-" : formatDuration(r.endedAt - r.startedAt),
      String(r.pid || "-"),
      exitText(r.exitCode, r.signal),
      r.reason ?? "running",
    ]);
    io.out(table(["RUN", "STARTED", "ENDED", "DURATION", "PID", "EXIT", "REASON"], rows));
    return 0;
  },
};

function eventLine(e: EventRecord): string {
  const details = e.details ? ` ${JSON.stringify(e.details)}` : "";
  return `${time(e.at)}  ${e.process ?? "-"}  ${e.type}${e.reason ? ` (${e.reason})` : ""}${details}\n`;
}

export const events: Command = {
  name: "events",
  usage: "tend events [-f] [--json] [--process NAME] [--type TYPE] [-n N]",
  summary: "stored events; -f follows live (snapshot first)",
  noArguments: "use --process NAME",
  flags: {
    ...CLIENT_FLAGS,
    json: { takes: "bool" },
    follow: { takes: "bool", alias: "-f" },
    process: { takes: "value" },
    type: { takes: "value" },
    lines: { takes: "value", alias: "-n" },
  },
  async run(args, io) {
    const q = new URLSearchParams();
    for (const k of ["process", "type", "lines"]) {
      const v = str(args, k);
      if (v !== undefined) q.set(k, v);
    }
    const client = await clientFor(args, io);
    const json = bool(args, "json");
    if (!bool(args, "follow")) {
      const list = await client.request<EventRecord[]>("GET", `/v1/events?${q}`);
      for (const e of list) io.out(json ? `${JSON.stringify(e)}\n` : eventLine(e));
      return 0;
    }
    q.set("follow", "1");
    return follow(client.stream(`/v1/events?${q}`), io, json);
  },
};

async function follow(
  stream: AsyncGenerator<{ event: string; data: unknown }>,
  io: Io,
  json: boolean,
): Promise<number> {
  for await (const { event, data } of stream) {
    if (event === "end") {
      io.err(`tend: ${(data as { reason?: string }).reason ?? "the supervisor ended the stream"}\n`);
      return 0;
    }
    if (json) io.out(`${JSON.stringify({ event, data })}\n`);
    else if (event === "snapshot") {
      for (const p of data as { name: string; state: string; pid: number | null }[]) {
        io.out(`snapshot  ${p.name}  ${p.state}${p.pid ? ` pid ${p.pid}` : ""}\n`);
      }
    } else io.out(eventLine(data as EventRecord));
  }
  return 0;
}
