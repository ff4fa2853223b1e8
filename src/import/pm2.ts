import { availableParallelism } from "node:os";
import { basename, dirname, extname, resolve } from "node:path";
import { MappingNotes } from "../config/mapping-notes.ts";
import { NAME_PATTERN, nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { parseDurationMs } from "../config/units.ts";
import { errorMessage } from "../errors.ts";
import { selfCommand } from "../self-command.ts";
import { ImportError, type Imported } from "./imported.ts";
import { shlexSplit } from "./shlex.ts";

// A PM2 ecosystem file: JSON (or JSON5), YAML, or JavaScript evaluated in a child tend process
// with a time limit (it is code); `{ apps: […] }`, a bare array or one app; each app mapped
// as PM2 runs it (the interpreter from the script's extension, stop by SIGINT, restarts counted
// as unstable below min_uptime).

export const EVAL_VERB = "__eval-ecosystem";
export const EVAL_TIMEOUT_MS = 10_000;

type App = Record<string, unknown>;

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

// The file's value: parsed, or for JavaScript, what a child tend printed after importing it.
function readEcosystem(file: string, text: string, env: Record<string, string | undefined>): unknown {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === ".json") return JSON.parse(text);
    if (ext === ".json5") return Bun.JSON5.parse(text);
    if (ext === ".yml" || ext === ".yaml") return Bun.YAML.parse(text);
  } catch (err) {
    throw new ImportError(file, [errorMessage(err)]);
  }
  return evaluated(file, env);
}

function evaluated(file: string, env: Record<string, string | undefined>): unknown {
  const r = Bun.spawnSync([...selfCommand("/proc/self/exe").exec, EVAL_VERB, file], {
    cwd: dirname(file),
    env: env as Record<string, string>,
    stdout: "pipe",
    stderr: "pipe",
    timeout: EVAL_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (r.signalCode === "SIGKILL" || r.exitedDueToTimeout)
    throw new ImportError(file, [
      `still running after ${EVAL_TIMEOUT_MS / 1000} s: stopped (is it waiting on something?)`,
    ]);
  let answer: { ok: true; value: unknown } | { ok: false; error: string };
  try {
    const line =
      r.stdout
        .toString()
        .split("\n")
        .find((l) => l.startsWith(ANSWER)) ?? "";
    answer = JSON.parse(line.slice(ANSWER.length));
  } catch {
    throw new ImportError(file, [
      `could not be evaluated: ${r.stderr.toString().trim() || `exit ${r.exitCode}`}`,
    ]);
  }
  if (!answer.ok) throw new ImportError(file, [answer.error]);
  return answer.value;
}

// The child's side: import the file, print its exports as JSON, or the error with its line.
export async function evaluateEcosystem(file: string): Promise<string> {
  try {
    const mod = (await import(resolve(file))) as { default?: unknown };
    const value = mod.default ?? mod;
    return `${ANSWER}${JSON.stringify({ ok: true, value })}`;
  } catch (err) {
    return `${ANSWER}${JSON.stringify({ ok: false, error: thrownAt(err, resolve(file)) })}`;
  }
}

// The answer's line starts with this: what the file itself prints (a dotenv banner, a
// console.log) goes to stdout too, and is not the answer.
const ANSWER = "\u0001tend-ecosystem ";

function thrownAt(err: unknown, file: string): string {
  const e = err as {
    message?: string;
    stack?: string;
    line?: number;
  };
  const message = e?.message ?? String(err);
  // A syntax error (Bun's BuildMessage) says where in `position`; a thrown Error in `line`.
  const position = (err as { position?: { line?: number } } | null)?.position;
  if (typeof position?.line === "number") return `line ${position.line}: ${message}`;
  if (typeof e?.line === "number") return `line ${e.line}: ${message}`;
  const frame = (e?.stack ?? "").split("\n").find((l) => l.includes(file));
  const m = frame ? /:(\d+):(\d+)\)?\s*$/.exec(frame) : null;
  return m ? `line ${m[1]}: ${message}` : message;
}

function bytesOf(v: unknown): number | null {
  if (typeof v === "number") return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG])?B?\s*$/i.exec(String(v));
  if (!m) return null;
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? "").toUpperCase() as "K"] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

// PM2's times: milliseconds, or a string with a unit ("10s", "1m", "500ms").
function msOf(v: unknown, where: string, problems: string[]): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && v >= 0) return Math.round(v);
  if (typeof v === "string") {
    const ms = /^\d+$/.test(v) ? Number(v) : parseDurationMs(v);
    if (ms !== null) return ms;
  }
  problems.push(`${where}: ${JSON.stringify(v)} is not a time like 5000 or "5s"`);
  return null;
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
    const b = bytesOf(a.max_memory_restart);
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

function stringValues(o: App): Record<string, string> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

// env_production → environments.production (`tend up --env production`).
function environments(p: RawProcess, a: App, note: (key: string, text: string) => void): void {
  for (const [key, v] of Object.entries(a)) {
    if (!key.startsWith("env_")) continue;
    if (v === null || typeof v !== "object") {
      note(key, "not an object of variables: not imported");
      continue;
    }
    const env = key.slice(4);
    if (!NAME_PATTERN.test(env)) {
      note(key, `"${env}" is not an environment name tend takes: not imported`);
      continue;
    }
    p.environments = { ...p.environments, [env]: { env: stringValues(v as App) } };
    note(key, `environments.${env}: tend up --env ${env} (PM2: --env ${env})`);
  }
}

// One app as the key mappers read it.
interface AppKeys {
  p: RawProcess;
  a: App;
  note: (key: string, text: string) => void;
  where: string; // "apps[i]", for problems
  problems: string[];
}

function instances({ p, a, note, where, problems }: AppKeys): void {
  const cpus = availableParallelism();
  const v = a.instances;
  let n: number | null = null;
  if (v === "max" || v === 0 || v === "0") n = cpus;
  else if (typeof v === "number" && v < 0) n = Math.max(1, cpus + v);
  else if (typeof v === "number" && Number.isInteger(v)) n = v;
  else if (typeof v === "string" && /^-?\d+$/.test(v))
    n = Number(v) < 0 ? Math.max(1, cpus + Number(v)) : Number(v);
  else if (v !== undefined) problems.push(`${where}.instances: "${v}" is not a number or "max"`);
  if (v !== undefined && (typeof v === "string" || (typeof v === "number" && v <= 0)))
    note("instances", `${JSON.stringify(v)}: ${n} copies, the CPUs of this host (PM2 counts at each start)`);
  if (n !== null && n > 1) {
    p.instances = n;
    // PM2 numbers its copies in NODE_APP_INSTANCE (0, 1, …); tend's is TEND_INSTANCE, read at
    // each start: with expansion on, a literal $ is written $$.
    const dollars = (t: string) => t.replaceAll("$", "$$$$");
    p.command = (p.command as string[]).map(dollars);
    const escaped = (env: Record<string, unknown> | undefined) =>
      Object.fromEntries(Object.entries(env ?? {}).map(([k, x]) => [k, dollars(String(x))]));
    p.env = { ...escaped(p.env), NODE_APP_INSTANCE: "${TEND_INSTANCE}" };
    for (const e of Object.values(p.environments ?? {})) if (e.env) e.env = escaped(e.env);
    p.expand_env = true;
  }
  const cluster = /^cluster/.test(String(a.exec_mode ?? ""));
  if (cluster)
    note(
      "exec_mode",
      "cluster: copies as replicas, each a process of its own: no shared port (give each its own, PORT = port + i)",
    );
}

function restarts({ p, a, note, where, problems }: AppKeys): void {
  const stopCodes = Array.isArray(a.stop_exit_codes) ? a.stop_exit_codes.map(Number) : null;
  if (a.autorestart === false) p.restart = "never";
  else if (stopCodes) {
    p.restart = "on-failure";
    p.success_exit_codes = stopCodes;
  } else p.restart = "always";
  // PM2 counts a restart as unstable when the run lived less than min_uptime, and gives up
  // (errored) after max_restarts of them; tend counts restarts in a row, reset by a run up
  // reset_after.
  const minUptime = msOf(a.min_uptime, `${where}.min_uptime`, problems) ?? 1000;
  if (a.max_restarts === undefined) p.max_restarts = 16;
  else if (Number.isInteger(Number(a.max_restarts)) && Number(a.max_restarts) >= 0)
    p.max_restarts = Number(a.max_restarts);
  else problems.push(`${where}.max_restarts: ${JSON.stringify(a.max_restarts)} is not a whole number`);
  note(
    "max_restarts",
    "PM2 counts unstable restarts (runs shorter than min_uptime); tend counts restarts in a row, reset by a run up min_uptime",
  );
  const expo = msOf(a.exp_backoff_restart_delay, `${where}.exp_backoff_restart_delay`, problems);
  const delay = msOf(a.restart_delay, `${where}.restart_delay`, problems) ?? 0;
  if (expo !== null) {
    // PM2 grows the delay ×1.5 up to 15 s and resets it after 30 s up.
    p.backoff = { initial: expo, factor: 1.5, max: 15_000, jitter: 0, reset_after: minUptime };
    note(
      "exp_backoff_restart_delay",
      "PM2 resets the delay after 30 s up; tend after min_uptime, as it counts restarts",
    );
  } else p.backoff = { initial: delay, factor: 1, max: delay, jitter: 0, reset_after: minUptime };
}

function watch(p: RawProcess, a: App, note: (key: string, text: string) => void): void {
  const globs = (v: unknown): string[] =>
    (Array.isArray(v) ? v : [v])
      .map(String)
      .flatMap((s) => (/[*?[{]/.test(s) ? [s] : [s.replace(/\/$/, ""), `${s.replace(/\/$/, "")}/**`]));
  if (a.watch === true) p.watch = ["**/*"];
  else if (a.watch !== undefined && a.watch !== false) p.watch = globs(a.watch);
  if (a.ignore_watch !== undefined) {
    p.watch_ignore = globs(a.ignore_watch);
    note("ignore_watch", "read as globs (PM2 also takes regular expressions)");
  }
  const delay = msOf(a.watch_delay, "watch_delay", []);
  if (delay !== null) p.watch_debounce = delay;
}
