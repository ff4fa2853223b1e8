import type { LogEntry, LogsQuery, TendClient } from "../../client/index.ts";
import { bool, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson, printJsonLine } from "../context.ts";
import { type Io, useColor } from "../io.ts";
import type { Command } from "./types.ts";

const NAME_COLORS = ["36", "33", "35", "32", "34", "91", "96", "93"];

// Lines are a stream, followed or not: --json prints one LogEntry per line.
export const logs: Command = {
  name: "logs",
  usage: "tend logs NAME… [-f] [-n N] [--stdout | --stderr] [--json] | tend logs --clear NAME… [--json]",
  summary: "recent output, stdout and stderr interleaved as written; -f follows across restarts",
  flags: {
    ...CLIENT_FLAGS,
    follow: { takes: "bool", alias: "-f" },
    lines: { takes: "value", alias: "-n" },
    stdout: { takes: "bool" },
    stderr: { takes: "bool" },
    clear: { takes: "bool" },
    json: { takes: "bool" },
  },
  async run(args, io) {
    const names = args.positionals;
    if (names.length === 0) throw usageError("tend logs needs at least one process name", "logs");
    if (bool(args, "stdout") && bool(args, "stderr"))
      throw usageError("use --stdout or --stderr, not both", "logs");
    const n = str(args, "lines") ?? "100";
    if (!/^\d+$/.test(n)) throw usageError(`-n ${n}: expected a whole number`, "logs");
    const client = await clientFor(args, io);
    const json = bool(args, "json");
    if (bool(args, "clear")) {
      const cleared = [];
      for (const name of names) cleared.push(await client.clearLogs(name));
      if (json) printJson(io, cleared);
      else io.out(`cleared: ${names.join(", ")}\n`);
      return 0;
    }
    const query: Omit<LogsQuery, "follow"> = { lines: Number(n) };
    if (bool(args, "stdout")) query.stream = "stdout";
    if (bool(args, "stderr")) query.stream = "stderr";
    const print = printer(io, names, json);
    if (!bool(args, "follow")) {
      const all = await Promise.all(names.map((name) => collect(client.logs(name, query))));
      // Several processes: merged by the time each line was read (lines from files come first).
      const lines = all.flat();
      if (names.length > 1) lines.sort((a, b) => a.at - b.at);
      for (const l of lines) print(l);
      return 0;
    }
    const ends = await Promise.all(names.map((name) => follow(client, name, query, print)));
    const why = ends.find((e) => e !== null);
    if (why) io.err(`tend: ${why}\n`);
    return 0;
  },
};

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const x of it) all.push(x);
  return all;
}

// Follows one process's lines; answers why the supervisor ended the stream (it stopped).
async function follow(
  client: TendClient,
  name: string,
  query: Omit<LogsQuery, "follow">,
  print: (l: LogEntry) => void,
): Promise<string | null> {
  let ended: string | null = null;
  const lines = client.logs(name, {
    ...query,
    follow: true,
    reconnect: 0,
    onEnd: (reason) => {
      ended = reason;
    },
  });
  for await (const l of lines) print(l);
  return ended;
}

function printer(io: Io, names: string[], json: boolean): (l: LogEntry) => void {
  if (json) return (l) => printJsonLine(io, l);
  if (names.length === 1) return (l) => io.out(`${l.text}\n`);
  const color = useColor(io);
  const width = Math.max(...names.map((n) => n.length));
  return (l) => {
    const label = l.process.padEnd(width);
    const c = NAME_COLORS[names.indexOf(l.process) % NAME_COLORS.length];
    io.out(`${color ? `\x1b[${c}m${label}\x1b[0m` : label} | ${l.text}\n`);
  };
}
