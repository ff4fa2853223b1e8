import { basename, dirname, extname, resolve } from "node:path";
import { MappingNotes } from "../config/mapping-notes.ts";
import { nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { parseSizeBytes } from "../config/units.ts";
import { ImportError, type Imported } from "./imported.ts";
import { readEcosystem } from "./pm2-eval.ts";
import { type App, environments, instances, msOf, restarts, stringValues, watch } from "./pm2-keys.ts";
import { shlexSplit } from "./shlex.ts";

// A PM2 ecosystem file: JSON (or JSON5), YAML, or JavaScript evaluated in a child tend process
// with a time limit (it is code); `{ apps: […] }`, a bare array or one app; each app mapped
// as PM2 runs it (the interpreter from the script's extension, stop by SIGINT, restarts counted
// as unstable below min_uptime).

// PM2's other spellings of the same keys.
const ALIASES: Record<string, string> = {
  exec: "script",
  exec_interpreter: "interpreter",
  node_args: "interpreter_args",
  interpreterArgs: "interpreter_args",
  error: "error_file",
  err: "error_file",
  err_file: "error_file",
  err_log: "error_file",
  output: "out_file",
  out: "out_file",
  out_log: "out_file",
  log: "log_file",
  pid: "pid_file",
  combine_logs: "merge_logs",
  cron: "cron_restart",
};

const KNOWN = new Set([
  "name",
  "script",
  "args",
  "interpreter",
  "interpreter_args",
  "cwd",
  "instances",
  "exec_mode",
  "env",
  "autorestart",
  "autostart",
  "max_restarts",
  "min_uptime",
  "restart_delay",
  "exp_backoff_restart_delay",
  "max_memory_restart",
  "cron_restart",
  "kill_timeout",
  "wait_ready",
  "listen_timeout",
  "watch",
  "ignore_watch",
  "watch_delay",
  "out_file",
  "error_file",
  "log_file",
  "merge_logs",
  "time",
  "log_date_format",
  "stop_exit_codes",
  "port",
  "pid_file",
  "user",
  "uid",
  "gid",
]);

// The interpreter PM2 picks from a script's extension; a script without one runs as it is.
const INTERPRETERS: Record<string, string> = {
  ".js": "node",
  ".cjs": "node",
  ".mjs": "node",
  ".sh": "bash",
  ".py": "python3",
  ".rb": "ruby",
  ".php": "php",
  ".pl": "perl",
  ".ts": "bun",
  ".tsx": "bun",
};

export function importPm2(file: string, text: string, env: Record<string, string | undefined>): Imported {
  const value = readEcosystem(file, text, env);
  const apps = Array.isArray(value)
    ? value
    : value !== null && typeof value === "object" && Array.isArray((value as App).apps)
      ? ((value as App).apps as unknown[])
      : [value];
  const notes = new MappingNotes();
  const problems: string[] = [];
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const key of Object.keys(value as App))
      if (key === "deploy") notes.add("(config)", "deploy", "PM2's deployment recipes: ignored");
      else if (key !== "apps" && Array.isArray((value as App).apps))
        notes.add("(config)", key, "not an app: not imported");
  }
  const processes: Record<string, RawProcess> = {};
  for (const [i, raw] of apps.entries()) {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      problems.push(`apps[${i}]: expected an object with script`);
      continue;
    }
    const made = appOf(raw as App, i, file, notes, problems);
    if (made === null) continue;
    if (processes[made.name]) problems.push(`apps[${i}]: a second app named "${made.name}"`);
    processes[made.name] = made.process;
  }
  if (apps.length === 0) problems.push("no apps: nothing to run");
  if (problems.length) throw new ImportError(file, problems);
  return { format: "pm2", processes, notes };
}

function appOf(
  raw: App,
  index: number,
  file: string,
  notes: MappingNotes,
  problems: string[],
): { name: string; process: RawProcess } | null {
  const a: App = {};
  for (const [k, v] of Object.entries(raw)) a[ALIASES[k] ?? k] = v;
  const where = `apps[${index}]`;
  if (typeof a.script !== "string" || a.script === "") {
    problems.push(`${where}: no script`);
    return null;
  }
  const script = a.script;
  const name = typeof a.name === "string" ? a.name : basename(script, extname(script));
  const problem = nameProblem(name);
  if (problem) {
    problems.push(`${where}: ${problem}`);
    return null;
  }
  const note = (key: string, text: string) => notes.add(name, key, text);
  for (const key of Object.keys(a))
    if (!KNOWN.has(key) && !key.startsWith("env_")) note(key, "no counterpart in tend: not imported");
  const base = dirname(file);
  const cwd = typeof a.cwd === "string" ? resolve(base, a.cwd) : base;
  const args = Array.isArray(a.args)
    ? a.args.map(String)
    : typeof a.args === "string"
      ? (shlexSplit(a.args) ?? [a.args])
      : [];
  const interpreter = typeof a.interpreter === "string" ? a.interpreter : null;
  const ext = extname(script).toLowerCase();
  // A bare name ("npm", "caddy") is a program on PATH; a path without a known extension
  // ("bin/www") is a script PM2 gives to node.
  const chosen = interpreter ?? INTERPRETERS[ext] ?? (script.includes("/") ? "node" : "none");
  const interpreterArgs = Array.isArray(a.interpreter_args)
    ? a.interpreter_args.map(String)
    : typeof a.interpreter_args === "string"
      ? (shlexSplit(a.interpreter_args) ?? [])
      : [];
  const scriptPath = script.includes("/") || ext !== "" ? resolve(cwd, script) : script;
  const p: RawProcess = {
    command: chosen === "none" ? [scriptPath, ...args] : [chosen, ...interpreterArgs, scriptPath, ...args],
    cwd,
  };
  if (a.env && typeof a.env === "object") p.env = stringValues(a.env as App);
  // PM2 runs Python unbuffered.
  if (chosen.startsWith("python")) p.env = { PYTHONUNBUFFERED: "1", ...p.env };
  environments(p, a, note);
  instances({ p, a, note, where, problems });
  restarts({ p, a, note, where, problems });
  // PM2 stops with SIGINT, then SIGKILL after kill_timeout (1.6 s by default).
  p.stop_signal = "SIGINT";
  p.stop_timeout = msOf(a.kill_timeout, `${where}.kill_timeout`, problems) ?? 1600;
  if (typeof a.port === "number") p.port = a.port;
  if (a.pid_file !== undefined) note("pid_file", "PM2's own record of the pid: tend keeps it in its state");
  if (a.max_memory_restart !== undefined) {
    // PM2's K, M and G are 1024-based, as tend's are.
    const b =
      typeof a.max_memory_restart === "number"
        ? a.max_memory_restart
        : parseSizeBytes(String(a.max_memory_restart));
    if (b === null)
      problems.push(`${where}.max_memory_restart: "${a.max_memory_restart}" is not a size like 300M`);
    else p.max_memory = b;
  }
  if (typeof a.cron_restart === "string" && a.cron_restart.trim() !== "0") {
    const fields = a.cron_restart.trim().split(/\s+/);
    let cron = a.cron_restart;
    if (fields.length === 6) {
      if (fields[0] !== "0")
        note("cron_restart", `"${a.cron_restart}": tend's cron has no seconds: at second 0`);
      cron = fields.slice(1).join(" ");
    }
    // PM2 starts a stopped app at its cron times too: with autorestart off, that is a job run
    // on a schedule (and once at start, as PM2 starts it).
    if (p.restart === "never") {
      p.schedule = cron;
      p.autostart = a.autostart !== false;
    } else p.restart_schedule = cron;
  }
  if (a.autostart === false) p.autostart = false;
  if (a.wait_ready === true)
    note("wait_ready", "PM2 waits for process.send('ready'); tend has no such signal: add a readiness probe");
  if (a.listen_timeout !== undefined) note("listen_timeout", "goes with wait_ready: not imported");
  watch(p, a, note);
  if (a.time === true) p.log_timestamps = true;
  for (const key of ["out_file", "error_file", "log_file"])
    if (a[key] !== undefined) note(key, "tend writes NAME.out.log and NAME.err.log in its log_dir");
  if (a.merge_logs === true) note("merge_logs", "tend keeps a log per copy (NAME@i.out.log)");
  if (a.log_date_format !== undefined) note("log_date_format", "tend's timestamps are ISO 8601");
  if (typeof a.user === "string") p.user = a.user;
  else if (a.uid !== undefined) p.user = String(a.uid);
  if (a.gid !== undefined) p.group = String(a.gid);
  return { name, process: p };
}
