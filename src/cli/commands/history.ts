import type { EventRecord, EventsQuery } from "../../client/index.ts";
import { formatDuration } from "../../config/units.ts";
import { bool, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson, printJsonLine } from "../context.ts";
import { exitText, table, time } from "../format.ts";
import type { Command } from "./types.ts";

export const history: Command = {
  name: "history",
  takesNames: true,
  usage: "tend history NAME [-n N] [--json]",
  summary: "runs of a process, newest first: start, end, duration, exit, reason",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" }, lines: { takes: "value", alias: "-n" } },
  async run(args, io) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw usageError("tend history takes one process name", "history");
    const n = str(args, "lines") ?? "50";
    if (!/^\d+$/.test(n)) throw usageError(`-n ${n}: expected a whole number`, "history");
    const client = await clientFor(args, io);
    const runs = await client.history(name, { runs: Number(n) });
    if (bool(args, "json")) {
      printJson(io, runs);
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

// Events are a stream of lines, followed or not: --json prints one object per line. Stored
// events are EventRecords; -f prints {event, data} pairs: the snapshot it starts with, then
// each event.
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
    const n = str(args, "lines");
    if (n !== undefined && !/^\d+$/.test(n)) throw usageError(`-n ${n}: expected a whole number`, "events");
    const query: EventsQuery = {
      process: str(args, "process"),
      type: str(args, "type"),
      events: n === undefined ? undefined : Number(n),
    };
    const client = await clientFor(args, io);
    const json = bool(args, "json");
    if (!bool(args, "follow")) {
      for await (const e of client.events(query)) io.out(json ? `${JSON.stringify(e)}\n` : eventLine(e));
      return 0;
    }
    let ended: string | null = null;
    const stream = client.events({
      ...query,
      follow: true,
      reconnect: 0,
      onEnd: (reason) => {
        ended = reason;
      },
      onSnapshot: (list) => {
        if (json) printJsonLine(io, { event: "snapshot", data: list });
        else for (const p of list) io.out(`snapshot  ${p.name}  ${p.state}${p.pid ? ` pid ${p.pid}` : ""}\n`);
      },
    });
    for await (const e of stream) {
      if (json) printJsonLine(io, { event: "event", data: e });
      else io.out(eventLine(e));
    }
    if (ended !== null) io.err(`tend: ${ended}\n`);
    return 0;
  },
};
