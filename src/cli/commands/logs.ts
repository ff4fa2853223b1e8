import type { LogEntry } from "../../domain/control.ts";
import { bool, str } from "../args.ts";
import { usageError } from "../cli-error.ts";
import type { Client } from "../client.ts";
import { CLIENT_FLAGS, clientFor } from "../context.ts";
import { type Io, useColor } from "../io.ts";
import type { Command } from "./types.ts";

const NAME_COLORS = ["36", "33", "35", "32", "34", "91", "96", "93"];

export const logs: Command = {
  name: "logs",
  usage: "tend logs NAME… [-f] [-n N] [--stdout | --stderr] [--json] | tend logs --clear NAME…",
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
    if (bool(args, "clear")) {
      for (const name of names)
        await client.request("DELETE", `/v1/processes/${encodeURIComponent(name)}/logs`);
      io.out(`cleared: ${names.join(", ")}\n`);
      return 0;
    }
    const q = new URLSearchParams({ lines: n });
    if (bool(args, "stdout")) q.set("stream", "stdout");
    if (bool(args, "stderr")) q.set("stream", "stderr");
    const print = printer(io, names, bool(args, "json"));
    if (!bool(args, "follow")) {
      const all = await Promise.all(
        names.map((name) =>
          client.request<LogEntry[]>("GET", `/v1/processes/${encodeURIComponent(name)}/logs?${q}`),
        ),
      );
      // Several processes: merged by the time each line was read (lines from files come first).
      const lines = all.flat();
      if (names.length > 1) lines.sort((a, b) => a.at - b.at);
      for (const l of lines) print(l);
      return 0;
    }
    q.set("follow", "1");
    const ends = await Promise.all(names.map((name) => follow(client, name, q, print)));
    const why = ends.find((e) => e !== null);
    if (why) io.err(`tend: ${why}\n`);
    return 0;
  },
};

// Follows one process's lines; answers why the supervisor ended the stream (it stopped).
async function follow(
  client: Client,
  name: string,
  q: URLSearchParams,
  print: (l: LogEntry) => void,
): Promise<string | null> {
  for await (const { event, data } of client.stream(`/v1/processes/${encodeURIComponent(name)}/logs?${q}`)) {
    if (event === "line") print(data as LogEntry);
    else if (event === "end")
      return (data as { reason?: string }).reason ?? "the supervisor ended the stream";
  }
  return null;
}

function printer(io: Io, names: string[], json: boolean): (l: LogEntry) => void {
  if (json) return (l) => io.out(`${JSON.stringify(l)}\n`);
  if (names.length === 1) return (l) => io.out(`${l.text}\n`);
  const color = useColor(io);
  const width = Math.max(...names.map((n) => n.length));
  return (l) => {
    const label = l.process.padEnd(width);
    const c = NAME_COLORS[names.indexOf(l.process) % NAME_COLORS.length];
    io.out(`${color ? `\x1b[${c}m${label}\x1b[0m` : label} | ${l.text}\n`);
  };
}
