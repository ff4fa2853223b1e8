import type { MappingNotes } from "../config/mapping-notes.ts";
import type { RawProcess } from "../config/schema.ts";
import { signalName } from "../proc/signals.ts";

// The keys of one process-compose process that map onto several of tend's: availability,
// depends_on, probes (with process-compose's defaults), shutdown, schedule and logs.

export type Yaml = Record<string, unknown>;

const CONDITIONS: Record<string, "started" | "healthy" | "completed" | "succeeded"> = {
  process_started: "started",
  process_healthy: "healthy",
  process_log_ready: "healthy",
  process_completed: "completed",
  process_completed_successfully: "succeeded",
};

export interface Context {
  file: string;
  notes: MappingNotes;
  problems: string[];
}

// {{.NAME}} from vars, substituted now (Go templates; anything else in {{ }} is refused).
export function templated(text: string, vars: Record<string, string>, where: string, cx: Context): string {
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

function num(v: unknown, where: string, cx: Context): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
  cx.problems.push(`${where}: expected a number of seconds, got ${JSON.stringify(v)}`);
  return null;
}

export function availability(p: RawProcess, v: unknown, name: string, cx: Context): void {
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

export function dependencies(p: RawProcess, v: unknown, name: string, cx: Context): void {
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
export function probe(
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

export function shutdown(p: RawProcess, v: unknown, name: string, cx: Context): void {
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

export function schedule(p: RawProcess, v: unknown, name: string, cx: Context): void {
  if (v === undefined || v === null) return;
  const s = v as Yaml;
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  if (typeof s.cron === "string") {
    p.schedule = s.cron;
    if (typeof s.timezone === "string") p.timezone = s.timezone;
  } else if (s.interval !== undefined) note("schedule.interval", "tend schedules by cron only: not imported");
  if (s.run_on_start === true) p.autostart = true;
}

export function logs(p: RawProcess, b: Yaml, name: string, cx: Context): void {
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
