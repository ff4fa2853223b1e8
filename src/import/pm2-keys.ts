import { availableParallelism } from "node:os";
import { NAME_PATTERN } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { parseDurationMs } from "../config/units.ts";

// The keys of one PM2 app that need more than a rename: env_<name>, instances and cluster mode,
// restarts, watch.

export type App = Record<string, unknown>;

// PM2's times: milliseconds, or a string with a unit ("10s", "1m", "500ms").
export function msOf(v: unknown, where: string, problems: string[]): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && v >= 0) return Math.round(v);
  if (typeof v === "string") {
    const ms = /^\d+$/.test(v) ? Number(v) : parseDurationMs(v);
    if (ms !== null) return ms;
  }
  problems.push(`${where}: ${JSON.stringify(v)} is not a time like 5000 or "5s"`);
  return null;
}

export function stringValues(o: App): Record<string, string> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

// env_production → environments.production (`tend up --env production`).
export function environments(p: RawProcess, a: App, note: (key: string, text: string) => void): void {
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

export function instances({ p, a, note, where, problems }: AppKeys): void {
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

export function restarts({ p, a, note, where, problems }: AppKeys): void {
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

export function watch(p: RawProcess, a: App, note: (key: string, text: string) => void): void {
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
