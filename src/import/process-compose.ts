import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MappingNotes } from "../config/mapping-notes.ts";
import { nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { signalName } from "../proc/signals.ts";
import { ImportError, type Imported } from "./imported.ts";

// process-compose.yaml as process-compose reads it: `vars` ({{.NAME}} templates) substituted
// now; ${VAR} and ${VAR:-default} kept for tend to expand at each start (from its environment
// and the .env beside the file, as process-compose reads the OS environment and .env), an
// unset ${VAR} being empty as in process-compose, $$ a literal $; each command run by bash -c.

type Yaml = Record<string, unknown>;

const PROCESS_KEYS = new Set([
  "command",
  "working_dir",
  "environment",
  "vars",
  "depends_on",
  "availability",
  "readiness_probe",
  "liveness_probe",
  "shutdown",
  "replicas",
  "disabled",
  "is_disabled",
  "schedule",
  "log_location",
  "log_configuration",
  "is_daemon",
  "ready_log_line",
  "description",
]);

const CONDITIONS: Record<string, "started" | "healthy" | "completed" | "succeeded"> = {
  process_started: "started",
  process_healthy: "healthy",
  process_log_ready: "healthy",
  process_completed: "completed",
  process_completed_successfully: "succeeded",
};

interface Context {
  file: string;
  notes: MappingNotes;
  problems: string[];
}

export function importProcessCompose(file: string, text: string): Imported {
  const cx: Context = { file, notes: new MappingNotes(), problems: [] };
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (err) {
    throw new ImportError(file, [`not YAML: ${errorMessage(err)}`]);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new ImportError(file, ["expected a mapping with processes:"]);
  const top = doc as Yaml;
  const list = top.processes;
  if (list === null || typeof list !== "object" || Array.isArray(list) || Object.keys(list).length === 0)
    throw new ImportError(file, ["no processes: nothing to run"]);
  for (const key of Object.keys(top)) {
    if (key === "processes" || key === "vars" || key === "environment") continue;
    cx.notes.add("(config)", key, "process-compose's own setting: not imported");
  }
  const globalVars = mapOf(top.vars, "vars", cx);
  const globalEnv = envOf(top.environment, "environment", cx);
  const dotEnv = join(dirname(file), ".env");
  const processes: Record<string, RawProcess> = {};
  for (const [name, body] of Object.entries(list as Yaml)) {
    const problem = nameProblem(name);
    if (problem) {
      cx.problems.push(`processes.${name}: ${problem}`);
      continue;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      cx.problems.push(`processes.${name}: expected a mapping`);
      continue;
    }
    const p = processOf(name, body as Yaml, { ...globalVars }, globalEnv, cx);
    if (p === null) continue;
    if (existsSync(dotEnv)) p.env_file = dotEnv;
    processes[name] = p;
  }
  for (const [name, p] of Object.entries(processes))
    for (const dep of Object.keys(p.depends_on ?? {}))
      if (!(dep in processes)) cx.problems.push(`processes.${name}.depends_on: no process named "${dep}"`);
  if (cx.problems.length) throw new ImportError(file, cx.problems);
  return { format: "process-compose", processes, notes: cx.notes };
}

function mapOf(v: unknown, where: string, cx: Context): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    cx.problems.push(`${where}: expected a mapping`);
    return {};
  }
  return Object.fromEntries(Object.entries(v as Yaml).map(([k, x]) => [k, String(x)]));
}

// environment: a list of "KEY=VALUE" (or a mapping).
function envOf(v: unknown, where: string, cx: Context): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v)) return mapOf(v, where, cx);
  const out: Record<string, string> = {};
  for (const [i, item] of v.entries()) {
    const s = String(item);
    const eq = s.indexOf("=");
    if (eq <= 0) cx.problems.push(`${where}[${i}]: expected "KEY=VALUE", got "${s}"`);
    else out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

// {{.NAME}} from vars, substituted now (Go templates; anything else in {{ }} is refused).
function templated(text: string, vars: Record<string, string>, where: string, cx: Context): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (all, body: string) => {
    const m = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    if (!m) {
      cx.problems.push(`${where}: "${all}" is not a {{.VAR}} tend can substitute`);
      return all;
    }
    const v = vars[m[1] as string];
    if (v === undefined) {
      cx.problems.push(`${where}: ${all}: no var "${m[1]}"`);
      return all;
    }
    return v;
  });
}

// Variables as process-compose reads them (it substitutes $VAR and ${VAR} in the whole file at
// load, from the OS environment and .env), written for tend to expand at each start instead:
// ${VAR} and ${VAR:-default} (unset is empty: ${VAR:-}), bare $VAR as ${VAR:-}, $$ a literal $.
// process-compose's own PC_REPLICA_NUM is tend's TEND_INSTANCE, PC_PROC_NAME the name. A form
// tend does not read is left to bash in a command, and refused elsewhere.
interface Vars {
  name: string;
  replicated: boolean;
  inShell: boolean;
}

function runtimeVars(text: string, where: string, v: Vars, cx: Context): { text: string; expands: boolean } {
  let expands = false;
  const ref = (variable: string, fallback: string) => {
    if (variable === "PC_REPLICA_NUM") {
      if (!v.replicated) return "0";
      expands = true;
      return "${TEND_INSTANCE}";
    }
    if (variable === "PC_PROC_NAME") return v.name;
    expands = true;
    return `\${${variable}:-${fallback}}`;
  };
  const out = text.replace(
    /\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, body: string | undefined, bare) => {
      if (all === "$$") {
        expands = true;
        return "$$";
      }
      if (bare !== undefined) return ref(bare, "");
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s.exec(body ?? "");
      if (m) {
        if (m[2] === "-")
          cx.notes.add(
            v.name,
            where,
            `"${all}" read as ${"$"}{${m[1]}:-${m[3]}} (the same unless set but empty)`,
          );
        return ref(m[1] as string, m[3] ?? "");
      }
      if (v.inShell) {
        cx.notes.add(v.name, where, `"${all}" is not expanded by tend; bash expands it`);
        return `$${all}`;
      }
      cx.problems.push(
        `${where}: "${all}" is a form tend cannot expand: write \${NAME} or \${NAME:-default}`,
      );
      return all;
    },
  );
  return { text: out, expands };
}

function num(v: unknown, where: string, cx: Context): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  cx.problems.push(`${where}: expected a number of seconds, got ${JSON.stringify(v)}`);
  return null;
}

function processOf(
  name: string,
  b: Yaml,
  vars: Record<string, string>,
  globalEnv: Record<string, string>,
  cx: Context,
): RawProcess | null {
  const at = (key: string) => `processes.${name}.${key}`;
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  Object.assign(vars, mapOf(b.vars, at("vars"), cx));
  for (const key of Object.keys(b))
    if (!PROCESS_KEYS.has(key)) note(key, "not a key tend knows: not imported");
  if (typeof b.command !== "string" || b.command.trim() === "") {
    cx.problems.push(`${at("command")}: expected a command line`);
    return null;
  }
  let expands = false;
  const replicated = typeof b.replicas === "number" && b.replicas > 1;
  const runtime = (text: string, key: string, inShell: boolean) => {
    const r = runtimeVars(text, at(key), { name, replicated, inShell }, cx);
    expands ||= r.expands;
    return r.text;
  };
  // vars ({{.NAME}}) fill the command, working_dir and probes, as process-compose renders them.
  const p: RawProcess = {
    command: ["bash", "-c", runtime(templated(b.command, vars, at("command"), cx), "command", true)],
  };
  if (typeof b.working_dir === "string") {
    const dir = templated(b.working_dir, vars, at("working_dir"), cx);
    if (dir.includes("$"))
      cx.problems.push(
        `${at("working_dir")}: "${dir}": tend does not expand variables in cwd; write the path`,
      );
    p.cwd = resolve(dirname(cx.file), dir);
  } else p.cwd = dirname(cx.file);
  const env = { ...globalEnv, ...envOf(b.environment, at("environment"), cx) };
  if (Object.keys(env).length)
    p.env = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, runtime(v, `environment.${k}`, false)]),
    );
  if (expands) p.expand_env = true;
  const truthy = (v: unknown) => v === true || v === "true";
  if (truthy(b.disabled) || truthy(b.is_disabled)) {
    p.autostart = false;
    note("disabled", "autostart = false: tend start NAME starts it");
  }
  availability(p, b.availability, name, cx);
  dependencies(p, b.depends_on, name, cx);
  const readiness = probe(b.readiness_probe, at("readiness_probe"), cx, note, vars);
  if (readiness) p.readiness = readiness;
  if (typeof b.ready_log_line === "string") {
    if (readiness) note("ready_log_line", "a readiness probe is set too: the probe is kept");
    else p.readiness = { type: "log", pattern: b.ready_log_line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") };
  }
  const liveness = probe(b.liveness_probe, at("liveness_probe"), cx, note, vars);
  // http or exec only: a log probe comes from ready_log_line, for readiness.
  if (liveness) p.liveness = liveness as RawProcess["liveness"];
  shutdown(p, b.shutdown, name, cx);
  if (b.replicas !== undefined) {
    if (typeof b.replicas === "number" && Number.isInteger(b.replicas) && b.replicas >= 1) {
      if (b.replicas > 1) p.instances = b.replicas;
    } else cx.problems.push(`${at("replicas")}: expected a whole number, at least 1`);
  }
  if (b.is_daemon === true) {
    p.type = "forking";
    note("is_daemon", 'type = "forking": tend follows the daemon the command leaves behind');
  }
  schedule(p, b.schedule, name, cx);
  logs(p, b, name, cx);
  if (b.description !== undefined) note("description", "kept only as a comment: not imported");
  return p;
}

function availability(p: RawProcess, v: unknown, name: string, cx: Context): void {
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  if (v === undefined || v === null) {
    p.restart = "never"; // process-compose's default: restart: no
    return;
  }
  const a = v as Yaml;
  const policy = a.restart ?? "no";
  const map: Record<string, RawProcess["restart"]> = {
    always: "always",
    on_failure: "on-failure",
    exit_on_failure: "on-failure",
    no: "never",
  };
  const restart = map[String(policy)];
  if (restart === undefined)
    cx.problems.push(`processes.${name}.availability.restart: unknown policy "${policy}"`);
  else p.restart = restart;
  if (policy === "exit_on_failure")
    note("availability.restart", "exit_on_failure: tend restarts the process instead of stopping everything");
  const seconds = num(a.backoff_seconds, `processes.${name}.availability.backoff_seconds`, cx) ?? 1;
  // A fixed wait, as process-compose waits.
  p.backoff = { initial: `${seconds}s`, factor: 1, max: `${seconds}s`, jitter: 0 };
  const max = num(a.max_restarts, `processes.${name}.availability.max_restarts`, cx);
  if (max !== null) {
    p.max_restarts = max;
    note(
      "availability.max_restarts",
      "process-compose counts restarts over the process's life; tend counts them in a row",
    );
  }
  for (const key of ["exit_on_end", "exit_on_skipped"])
    if (a[key] === true) note(`availability.${key}`, "tend keeps the others running: not imported");
}

function dependencies(p: RawProcess, v: unknown, name: string, cx: Context): void {
  if (v === undefined || v === null) return;
  if (typeof v !== "object" || Array.isArray(v)) {
    cx.problems.push(`processes.${name}.depends_on: expected a mapping`);
    return;
  }
  const out: Record<string, "started" | "healthy" | "completed" | "succeeded"> = {};
  for (const [dep, body] of Object.entries(v as Yaml)) {
    const condition = String((body as Yaml | null)?.condition ?? "process_started");
    const mapped = CONDITIONS[condition];
    if (mapped === undefined)
      cx.problems.push(`processes.${name}.depends_on.${dep}.condition: unknown condition "${condition}"`);
    else out[dep] = mapped;
  }
  if (Object.keys(out).length) p.depends_on = out;
}

// A probe with process-compose's defaults: at once, every 10 s, 1 s timeout, 1 success, 3 failures.
function probe(
  v: unknown,
  where: string,
  cx: Context,
  note: (key: string, text: string) => void,
  vars: Record<string, string>,
): RawProcess["readiness"] | null {
  if (v === undefined || v === null) return null;
  const b = v as Yaml;
  const t = (x: unknown, key: string) => templated(String(x), vars, `${where}.${key}`, cx);
  const timing = {
    initial_delay: `${num(b.initial_delay_seconds, `${where}.initial_delay_seconds`, cx) ?? 0}s`,
    interval: `${num(b.period_seconds, `${where}.period_seconds`, cx) ?? 10}s`,
    timeout: `${num(b.timeout_seconds, `${where}.timeout_seconds`, cx) ?? 1}s`,
    success_threshold: num(b.success_threshold, `${where}.success_threshold`, cx) ?? 1,
    failure_threshold: num(b.failure_threshold, `${where}.failure_threshold`, cx) ?? 3,
  };
  const http = b.http_get as Yaml | undefined;
  if (http) {
    const scheme = t(http.scheme ?? "http", "http_get.scheme");
    const host = t(http.host ?? "127.0.0.1", "http_get.host");
    const path = t(http.path ?? "/", "http_get.path");
    const port = http.port === undefined ? "" : `:${t(http.port, "http_get.port")}`;
    const url = `${scheme}://${host}${port}${path.startsWith("/") ? path : `/${path}`}`;
    if (url.includes("$"))
      cx.problems.push(`${where}.http_get: "${url}": tend does not expand variables in a URL`);
    return { type: "http", url, ...timing };
  }
  const exec = b.exec as Yaml | undefined;
  if (exec && typeof exec.command === "string") {
    if (exec.working_dir !== undefined)
      note(`${where.split(".").pop()}.exec.working_dir`, "the probe runs in the process's cwd");
    return { type: "exec", command: ["bash", "-c", t(exec.command, "exec.command")], ...timing };
  }
  cx.problems.push(`${where}: expected http_get or exec`);
  return null;
}

function shutdown(p: RawProcess, v: unknown, name: string, cx: Context): void {
  if (v === undefined || v === null) return;
  const s = v as Yaml;
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  if (s.signal !== undefined) {
    if (typeof s.signal === "number") p.stop_signal = signalName(s.signal);
    else cx.problems.push(`processes.${name}.shutdown.signal: expected a signal number like 15`);
  }
  const timeout = num(s.timeout_seconds, `processes.${name}.shutdown.timeout_seconds`, cx);
  if (timeout !== null) p.stop_timeout = `${timeout}s`;
  if (s.command !== undefined)
    note(
      "shutdown.command",
      "tend stops with stop_signal, then SIGKILL after stop_timeout: the command is not run",
    );
  if (s.parent_only === true) note("shutdown.parent_only", "tend signals the whole process group");
}

function schedule(p: RawProcess, v: unknown, name: string, cx: Context): void {
  if (v === undefined || v === null) return;
  const s = v as Yaml;
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  if (typeof s.cron === "string") {
    p.schedule = s.cron;
    if (typeof s.timezone === "string") p.timezone = s.timezone;
  } else if (s.interval !== undefined) note("schedule.interval", "tend schedules by cron only: not imported");
  if (s.run_on_start === true) p.autostart = true;
}

function logs(p: RawProcess, b: Yaml, name: string, cx: Context): void {
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  if (b.log_location !== undefined)
    note("log_location", "tend writes NAME.out.log and NAME.err.log in its log_dir");
  const c = b.log_configuration as Yaml | undefined;
  if (!c) return;
  const r = c.rotation as Yaml | undefined;
  if (r) {
    const mb = num(r.max_size_mb, `processes.${name}.log_configuration.rotation.max_size_mb`, cx);
    if (mb !== null) p.log_max_size = `${mb}MiB`;
    const backups = num(r.max_backups, `processes.${name}.log_configuration.rotation.max_backups`, cx);
    if (backups !== null) p.log_keep = backups;
    if (r.compress === true) p.log_compress = true;
    if (r.max_age_days !== undefined)
      note("log_configuration.rotation.max_age_days", "tend keeps log_keep files, whatever their age");
  }
  if (c.add_timestamp === true) p.log_timestamps = true;
  for (const key of Object.keys(c))
    if (!["rotation", "add_timestamp"].includes(key))
      note(`log_configuration.${key}`, "no counterpart: not imported");
}
