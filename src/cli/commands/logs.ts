import type { LogEntry, LogsQuery, TendClient } from "../../client/index.ts";
import { parseDurationMs } from "../../config/units.ts";
import { bool, durationFlag, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson, printJsonLine } from "../context.ts";
import { type Io, useColor } from "../io.ts";
import type { Command } from "./types.ts";

const NAME_COLORS = ["36", "33", "35", "32", "34", "91", "96", "93"];
// With --grep the last lines are looked for among this many of each process's.
const GREP_WINDOW = 100_000;

type Query = Omit<LogsQuery, "follow">;

// Lines are a stream, followed or not: --json prints one LogEntry per line. No name: every
// process, as journalctl or `pm2 logs` show them, each line prefixed with its process's name.
export const logs: Command = {
  name: "logs",
  takesNames: true,
  usage:
    "tend logs [NAME…] [-f] [-n N] [--since 10m] [--grep REGEX] [--stdout | --stderr] [--json]\n" +
    "       tend logs --clear NAME… [--json]",
  summary: "recent output (every process's without a name), interleaved as written; -f follows",
  flags: {
    ...CLIENT_FLAGS,
    follow: { takes: "bool", alias: "-f" },
    lines: { takes: "value", alias: "-n" },
    since: { takes: "value" },
    grep: { takes: "value" },
    stdout: { takes: "bool" },
    stderr: { takes: "bool" },
    clear: { takes: "bool" },
    json: { takes: "bool" },
  },
  async run(args, io) {
    const names = [...new Set(args.positionals)];
    if (bool(args, "stdout") && bool(args, "stderr"))
      throw usageError("use --stdout or --stderr, not both", "logs");
    const n = str(args, "lines") ?? "100";
    if (!/^\d+$/.test(n)) throw usageError(`-n ${n}: expected a whole number`, "logs");
    const grep = grepOf(str(args, "grep"));
    const client = await clientFor(args, io);
    const json = bool(args, "json");
    if (bool(args, "clear")) {
      if (names.length === 0) throw usageError("tend logs --clear needs the names of the processes", "logs");
      const cleared = [];
      for (const name of names) cleared.push(await client.clearLogs(name));
      if (json) printJson(io, cleared);
      else io.out(`cleared: ${names.join(", ")}\n`);
      return 0;
    }
    const wanted = Number(n);
    const query: Query = { lines: grep ? GREP_WINDOW : wanted };
    if (bool(args, "stdout")) query.stream = "stdout";
    if (bool(args, "stderr")) query.stream = "stderr";
    const sinceText = str(args, "since");
    if (sinceText !== undefined) {
      const ms = parseDurationMs(durationFlag("since", sinceText, "logs"));
      if (ms === null) throw usageError(`--since ${sinceText}: expected a duration like 10m`, "logs");
      query.since = Math.max(0, Date.now() - ms);
    }
    // One process: its lines as they are; none or several: each with its process's name.
    const every = names.length === 0;
    const labels = every ? (await client.list()).map((p) => p.name) : names;
    const print = printer(io, every || names.length > 1 ? labels : null, json);
    const show = (l: LogEntry) => {
      if (!grep || grep.test(l.text)) print(l);
    };
    const targets: (string | null)[] = every ? [null] : names;
    if (!bool(args, "follow")) {
      const all = await Promise.all(targets.map((name) => collect(client.logs(name, query))));
      // Several processes: merged by the time each line was read (lines from files come first).
      let lines = all.flat();
      if (names.length > 1) lines.sort((a, b) => a.at - b.at);
      if (grep) lines = lines.filter((l) => grep.test(l.text)).slice(-wanted || lines.length);
      for (const l of lines) print(l);
      return 0;
    }
    const ends = await Promise.all(targets.map((name) => follow(client, name, query, show)));
    const why = ends.find((e) => e !== null);
    if (why) io.err(`tend: ${why}\n`);
    return 0;
  },
};

function grepOf(pattern: string | undefined): RegExp | null {
  if (pattern === undefined) return null;
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw usageError(`--grep ${pattern}: ${err instanceof Error ? err.message : String(err)}`, "logs");
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const x of it) all.push(x);
  return all;
}

// Follows one process's lines (name null: every process's); answers why the supervisor ended
// the stream (it stopped).
async function follow(
  client: TendClient,
  name: string | null,
  query: Query,
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

// `labels`: the names to prefix lines with (null: one process, no prefix). A prefix is the name,
// coloured on a terminal, then `|` for stdout and `!` for stderr.
function printer(io: Io, labels: string[] | null, json: boolean): (l: LogEntry) => void {
  if (json) return (l) => printJsonLine(io, l);
  if (labels === null) return (l) => io.out(`${l.text}\n`);
  const color = useColor(io);
  const width = Math.max(0, ...labels.map((n) => n.length));
  const order = [...labels];
  return (l) => {
    if (!order.includes(l.process)) order.push(l.process);
    const label = l.process.padEnd(width);
    const c = NAME_COLORS[order.indexOf(l.process) % NAME_COLORS.length];
    const mark = l.stream === "stderr" ? "!" : "|";
    const text = color && l.stream === "stderr" ? `\x1b[31m${l.text}\x1b[0m` : l.text;
    io.out(`${color ? `\x1b[${c}m${label}\x1b[0m` : label} ${mark} ${text}\n`);
  };
}
