import type { ProcessSnapshot, ReplicaSet, SetBody, StartAnswer, TendClient } from "../../client/index.ts";
import { TendApiError } from "../../client/index.ts";
import { parseSizeBytes } from "../../config/units.ts";
import { bool } from "../args.ts";
import { CliError, EXIT, usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import type { Command } from "./types.ts";

type Action = "start" | "stop" | "restart" | "pause" | "resume" | "reset";

const SUMMARY: Record<Action, string> = {
  start: "start processes (skips any backoff)",
  stop: "stop processes and their whole trees",
  restart: "restart processes now, skipping backoff and resetting the restart count",
  pause: "pause processes (SIGSTOP to the process group)",
  resume: "resume paused processes (SIGCONT)",
  reset: "restart counters to zero; a failed process back to stopped, startable again",
};

// The states each action applies to. With --all, a process in another state is skipped and
// listed, and does not make the command fail (restart applies to every state).
const APPLIES: Record<Action, ((state: string) => boolean) | null> = {
  start: (s) => s === "stopped" || s === "exited" || s === "failed" || s === "backoff",
  stop: (s) => s !== "stopped" && s !== "exited" && s !== "failed",
  restart: null,
  pause: (s) => s === "running",
  resume: (s) => s === "paused",
  reset: null,
};

// What one process (or a replicated one, as a whole) answers to an action.
type Acted = StartAnswer | ProcessSnapshot | ReplicaSet;

function act(client: TendClient, verb: Action, name: string, force: boolean): Promise<Acted> {
  switch (verb) {
    case "start":
      return client.start(name);
    case "stop":
      return client.stop(name, force ? { force: true } : {});
    case "restart":
      return client.restart(name);
    case "pause":
      return client.pause(name);
    case "resume":
      return client.resume(name);
    case "reset":
      return client.reset(name);
  }
}

// Each process an answer is about: a replicated one's copies, or the one.
function actedOn<T extends ProcessSnapshot>(acted: T | ReplicaSet): (T | ProcessSnapshot)[] {
  return "replicas" in acted ? acted.replicas : [acted];
}

// start/stop/restart/pause/resume NAME… | --all: every name is checked first (one unknown name
// and nothing is done), then one request per process, all in parallel; every failure is
// reported and the exit code is 1 if any failed. --json: the list of the answers.
function action(verb: Action): Command {
  return {
    name: verb,
    takesNames: true,
    usage: `tend ${verb}${verb === "stop" ? " [--force]" : ""} NAME… | --all [--json]`,
    summary: SUMMARY[verb],
    flags: {
      ...CLIENT_FLAGS,
      all: { takes: "bool" },
      json: { takes: "bool" },
      ...(verb === "stop" ? { force: { takes: "bool" as const } } : {}),
    },
    async run(args, io) {
      const all = bool(args, "all");
      if (all === args.positionals.length > 0) {
        throw usageError(`tend ${verb} needs process names or --all (not both)`, verb);
      }
      const client = await clientFor(args, io);
      const list = await client.list();
      const applies = APPLIES[verb];
      let names = [...new Set(args.positionals)];
      if (all) {
        const skipped = applies ? list.filter((p) => !applies(p.state)) : [];
        // A restart of everything restarts a replicated process as a whole: rolling.
        const nameOf = (p: ProcessSnapshot) => (verb === "restart" ? (p.replicaOf ?? p.name) : p.name);
        names = [...new Set(list.filter((p) => !skipped.includes(p)).map(nameOf))];
        if (skipped.length && !bool(args, "json"))
          io.out(`skipped: ${skipped.map((p) => `${p.name} (${p.state})`).join(", ")}\n`);
      } else {
        const unknown = names.filter((n) => !list.some((p) => p.name === n || p.replicaOf === n));
        if (unknown.length)
          throw new CliError(
            `tend ${verb}: no process named ${unknown.map((n) => `"${n}"`).join(", ")}; nothing was done (see tend ps)`,
            EXIT.failed,
          );
      }
      const force = bool(args, "force");
      const results = await Promise.allSettled(names.map((n) => act(client, verb, n, force)));
      const json = bool(args, "json");
      const answers: Acted[] = [];
      let failed = 0;
      results.forEach((r, i) => {
        if (r.status === "fulfilled") {
          answers.push(r.value);
          if (!json)
            for (const p of actedOn(r.value))
              io.out(`${p.name}: ${p.state}${p.pid ? ` (pid ${p.pid})` : ""}${startNote(p)}\n`);
        } else {
          failed++;
          const err = r.reason;
          // No supervisor to ask (it went away meanwhile): that, once, and exit 3.
          if (err instanceof TendApiError && err.code === "UNREACHABLE") throw err;
          io.err(`${names[i]}: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      });
      if (json) printJson(io, answers);
      return failed ? EXIT.failed : EXIT.ok;
    },
  };
}

// A start also starts what the process depends on; say so, and what it still waits for.
function startNote(p: ProcessSnapshot & { startedDependencies?: string[] }): string {
  const waiting = p.state === "waiting" && p.waitingFor?.length ? ` for ${p.waitingFor.join(", ")}` : "";
  const started = p.startedDependencies?.length
    ? `; started its dependencies: ${p.startedDependencies.join(", ")}`
    : "";
  return waiting + started;
}

export const start = action("start");
export const stop = action("stop");
export const restart = action("restart");
export const reset = action("reset");
export const pause = action("pause");
export const resume = action("resume");

export const signal: Command = {
  name: "signal",
  takesNames: true,
  usage: "tend signal NAME SIGNAL [--json]",
  summary: "send a signal (SIGHUP, USR1, 10…) to a process's group",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args, io) {
    const [name, sig, ...extra] = args.positionals;
    if (!name || !sig || extra.length)
      throw usageError("tend signal takes a process name and a signal", "signal");
    const client = await clientFor(args, io);
    const acted = await client.signal(name, { signal: sig });
    if (bool(args, "json")) printJson(io, acted);
    else
      for (const p of actedOn(acted))
        io.out(`${p.name}: sent ${sig.toUpperCase()}${p.pid ? ` to pid ${p.pid}` : ""}\n`);
    return 0;
  },
};

export const scale: Command = {
  name: "scale",
  takesNames: true,
  usage: "tend scale NAME N [--json]",
  summary: "run N copies of a replicated process (instances); kept until the config's instances change",
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args, io) {
    const [name, count, ...extra] = args.positionals;
    if (!name || !count || extra.length)
      throw usageError("tend scale takes a process name and a count", "scale");
    if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 1000)
      throw usageError(`tend scale ${name} ${count}: the count is a whole number from 1 to 1000`, "scale");
    const client = await clientFor(args, io);
    const set = await client.scale(name, { instances: Number(count) });
    if (bool(args, "json")) printJson(io, set);
    else {
      io.out(`${set.name}: ${set.instances} ${set.instances === 1 ? "copy" : "copies"}\n`);
      for (const p of set.replicas) io.out(`  ${p.name}: ${p.state}${p.pid ? ` (pid ${p.pid})` : ""}\n`);
    }
    return 0;
  },
};

const SET_KEYS = ["restart", "max_restarts", "max_memory"] as const;

// `tend set NAME restart=never max_restarts=3 max_memory=512MiB | --clear`: overrides of the
// restart policy and limits, read at each decision, until --clear or the next reload.
export const set: Command = {
  name: "set",
  takesNames: true,
  usage: "tend set NAME KEY=VALUE… | tend set NAME --clear [--json]",
  summary: "override restart, max_restarts or max_memory (none: no limit) until --clear or a reload",
  flags: { ...CLIENT_FLAGS, clear: { takes: "bool" }, json: { takes: "bool" } },
  async run(args, io) {
    const [name, ...pairs] = args.positionals;
    const clear = bool(args, "clear");
    if (!name || clear === pairs.length > 0)
      throw usageError("tend set takes a process name and KEY=VALUE pairs, or --clear", "set");
    const body: Record<string, unknown> = clear ? { clear: true } : {};
    for (const pair of pairs) {
      const [key, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      if (!pair.includes("=") || !SET_KEYS.includes(key as (typeof SET_KEYS)[number]))
        throw usageError(`tend set: "${pair}": expected ${SET_KEYS.map((k) => `${k}=…`).join(", ")}`, "set");
      if (key in body) throw usageError(`tend set: ${key} is given twice`, "set");
      body[key] = setValue(key, value);
    }
    const client = await clientFor(args, io);
    const acted = await client.set(name, body as SetBody);
    if (bool(args, "json")) printJson(io, acted);
    else
      for (const p of actedOn(acted)) io.out(`${p.name}: ${clear ? "overrides cleared" : pairs.join(" ")}\n`);
    return 0;
  },
};

function setValue(key: string, value: string): unknown {
  if (key === "restart") return value;
  if (key === "max_restarts") {
    if (!/^\d+$/.test(value))
      throw usageError(`tend set: max_restarts=${value}: expected a whole number`, "set");
    return Number(value);
  }
  if (value === "none") return null;
  const bytes = parseSizeBytes(value);
  if (bytes === null || bytes <= 0)
    throw usageError(`tend set: max_memory=${value}: expected a size like 512MiB, or none`, "set");
  return bytes;
}
