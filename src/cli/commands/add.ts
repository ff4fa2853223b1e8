import { resolve } from "node:path";
import { type AddBody, type KeyKind, PROCESS_KEYS } from "../../client/index.ts";
import { bool, durationFlag, type FlagSpec, list, type ParsedArgs, str } from "../args.ts";
import { EXIT, usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import type { Command } from "./types.ts";

// Every key of a process table is a flag of `tend add` (`max_memory` is --max-memory), taken as
// src/api/surface.gen.ts says the schema has it: text, a number, a duration or size, a flag
// (--log-merge / --no-log-merge), a repeatable list, or the config's own inline table
// (--readiness 'type = "tcp", port = 6379'). The supervisor checks the result as it checks a
// config table, and names the key when something is wrong.
type Key = keyof typeof PROCESS_KEYS;
const flagOf = (key: string) => key.replaceAll("_", "-");
const KEYS = (Object.keys(PROCESS_KEYS) as Key[]).filter((k) => PROCESS_KEYS[k] !== "command");

const KEY_FLAGS: FlagSpec = Object.fromEntries(
  KEYS.flatMap((key): [string, FlagSpec[string]][] => {
    const kind = PROCESS_KEYS[key];
    if (kind === "flag")
      return [
        [flagOf(key), { takes: "bool" }],
        [`no-${flagOf(key)}`, { takes: "bool" }],
      ];
    return [[flagOf(key), { takes: kind === "list" || kind === "env" ? "list" : "value" }]];
  }),
);

// Paths are read where the command is typed: the supervisor has a cwd of its own.
const PATHS: readonly Key[] = ["cwd", "env_file", "pid_file"];

export const add: Command = {
  name: "add",
  usage:
    "tend add NAME [--KEY VALUE]… [--shell] [--json] -- CMD ARG…\n" +
    "  every key of a process table: --cwd DIR, --env K=V…, --env-file FILE, --user NAME,\n" +
    "  --restart always|on-failure|never, --stop-timeout 10s, --max-memory 512MiB, --preset web,\n" +
    "  --depends-on 'db = \"healthy\"', --readiness 'type = \"tcp\", port = 6379', --no-autostart, …",
  summary: "add a process at run time (kept across supervisor restarts)",
  flags: { ...CLIENT_FLAGS, ...KEY_FLAGS, shell: { takes: "bool" }, json: { takes: "bool" } },
  async run(args, io) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw usageError("tend add takes one name, then -- and the command", "add");
    if (args.rest.length === 0) throw usageError("tend add needs a command after --", "add");
    const here = process.cwd();
    const argv = [...args.rest];
    const program = argv[0] as string;
    if (!bool(args, "shell") && program.includes("/")) argv[0] = resolve(here, program);
    const body: Record<string, unknown> = {
      name,
      command: bool(args, "shell") ? argv.join(" ") : argv,
      cwd: here,
    };
    for (const key of KEYS) {
      const value = keyValue(args, key);
      if (value === undefined) continue;
      body[key] = PATHS.includes(key) ? resolve(here, value as string) : value;
    }
    const client = await clientFor(args, io);
    const p = await client.add(body as AddBody);
    if (bool(args, "json")) printJson(io, p);
    else io.out(`${p.name}: added, ${p.state}${p.pid ? ` (pid ${p.pid})` : ""}\n`);
    // Added but not running: the command could not start. Say why, and fail.
    if (p.state === "failed" || (p.state === "backoff" && p.reason === "spawn_failed")) {
      const d = await client.get(name);
      const why = "replicas" in d ? d.replicas[0]?.reason : (d.lastError ?? d.reason);
      io.err(`tend add: ${name} could not start: ${why}\n`);
      return EXIT.failed;
    }
    return 0;
  },
};

// One key from the command line, as the config file would have it; undefined when not given.
function keyValue(args: ParsedArgs, key: Key): unknown {
  const flag = flagOf(key);
  const kind = PROCESS_KEYS[key] as KeyKind;
  if (kind === "flag") {
    const on = bool(args, flag);
    const off = bool(args, `no-${flag}`);
    if (on && off) throw usageError(`--${flag} and --no-${flag} say opposite things`, "add");
    return on ? true : off ? false : undefined;
  }
  if (kind === "env") {
    const pairs = list(args, flag);
    if (!pairs.length) return undefined;
    const env: Record<string, string> = {};
    for (const kv of pairs) {
      const eq = kv.indexOf("=");
      if (eq < 1) throw usageError(`--env ${kv}: expected KEY=VALUE`, "add");
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return env;
  }
  if (kind === "list") {
    const items = list(args, flag);
    return items.length ? items : undefined;
  }
  const text = str(args, flag);
  if (text === undefined) return undefined;
  switch (kind) {
    case "whole":
      if (!/^\d+$/.test(text)) throw usageError(`--${flag} ${text}: expected a whole number`, "add");
      return Number(text);
    case "number":
      if (!/^-?\d+(\.\d+)?$/.test(text)) throw usageError(`--${flag} ${text}: expected a number`, "add");
      return Number(text);
    case "duration":
      return durationFlag(flag, text, "add");
    case "size":
      return /^\d+$/.test(text) ? Number(text) : text;
    case "table":
      return toml(flag, text, /^\s*\{/.test(text) ? text : `{ ${text} }`, TABLE);
    case "toml":
      return toml(flag, text, text, "a TOML value like [0, 2]");
    default:
      return text;
  }
}

const TABLE = "an inline table like 'type = \"tcp\", port = 6379'";

// A value written as in tend.toml, read by the same TOML parser the config file is.
function toml(flag: string, text: string, value: string, expected: string): unknown {
  try {
    return (Bun.TOML.parse(`value = ${value}`) as { value: unknown }).value;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw usageError(`--${flag} ${text}: expected ${expected} (${why})`, "add");
  }
}

export const rm: Command = {
  name: "rm",
  takesNames: true,
  usage: "tend rm NAME [--json]",
  summary: "stop and remove a process added at run time",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args, io) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw usageError("tend rm takes one process name", "rm");
    const client = await clientFor(args, io);
    const removed = await client.remove(name);
    if (bool(args, "json")) printJson(io, removed);
    else io.out(`${name}: removed\n`);
    return 0;
  },
};
