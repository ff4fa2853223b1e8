import { resolve } from "node:path";
import type { AddBody } from "../../client/index.ts";
import { bool, durationFlag, list, str } from "../args.ts";
import { EXIT, usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import type { Command } from "./types.ts";

export const add: Command = {
  name: "add",
  usage:
    "tend add NAME [--cwd DIR] [--env K=V]… [--restart always|on-failure|never] [--stop-signal SIG]\n" +
    "              [--stop-timeout 10s] [--max-restarts N] [--no-autostart] [--shell] [--json] -- CMD ARG…",
  summary: "add a process at run time (kept across supervisor restarts)",
  flags: {
    ...CLIENT_FLAGS,
    cwd: { takes: "value" },
    env: { takes: "list" },
    restart: { takes: "value" },
    "stop-signal": { takes: "value" },
    "stop-timeout": { takes: "value" },
    "max-restarts": { takes: "value" },
    "no-autostart": { takes: "bool" },
    shell: { takes: "bool" },
    json: { takes: "bool" },
  },
  async run(args, io) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length) throw usageError("tend add takes one name, then -- and the command", "add");
    if (args.rest.length === 0) throw usageError("tend add needs a command after --", "add");
    const env: Record<string, string> = {};
    for (const kv of list(args, "env")) {
      const eq = kv.indexOf("=");
      if (eq < 1) throw usageError(`--env ${kv}: expected KEY=VALUE`, "add");
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    // Paths mean what they mean where the command was typed: the supervisor has another cwd.
    const here = process.cwd();
    const argv = [...args.rest];
    const program = argv[0] as string;
    if (!bool(args, "shell") && program.includes("/")) argv[0] = resolve(here, program);
    const body: AddBody = {
      name,
      command: bool(args, "shell") ? argv.join(" ") : argv,
      cwd: resolve(here, str(args, "cwd") ?? "."),
    };
    if (Object.keys(env).length) body.env = env;
    const restart = str(args, "restart");
    // Checked by the supervisor, which names the values it takes.
    if (restart) body.restart = restart as AddBody["restart"];
    const stopSignal = str(args, "stop-signal");
    if (stopSignal) body.stop_signal = stopSignal;
    const stopTimeout = str(args, "stop-timeout");
    if (stopTimeout !== undefined) body.stop_timeout = durationFlag("stop-timeout", stopTimeout, "add");
    const max = str(args, "max-restarts");
    if (max !== undefined) {
      if (!/^\d+$/.test(max)) throw usageError(`--max-restarts ${max}: expected a whole number`, "add");
      body.max_restarts = Number(max);
    }
    if (bool(args, "no-autostart")) body.autostart = false;
    const client = await clientFor(args, io);
    const p = await client.add(body);
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

export const rm: Command = {
  name: "rm",
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
