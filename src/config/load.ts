import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { AlertRule } from "../alerts/alert-rule.ts";
import { errorMessage } from "../errors.ts";
import { formatFromName } from "../import/detect.ts";
import { ImportError, type Imported } from "../import/imported.ts";
import { readForeign } from "../import/read.ts";
import { toAlertRule } from "./alert-schema.ts";
import { dependencyIssues } from "./dependency-graph.ts";
import { ConfigError, type ConfigIssue, issuesFromZod } from "./issues.ts";
import { defaultLogDir, defaultSocketPath, defaultStateDir } from "./paths.ts";
import { type ProcessSpec, toProcessSpec } from "./process-spec.ts";
import { readConfigText } from "./read-text.ts";
import { configSchema, type ParsedConfig } from "./schema.ts";

export interface SupervisorSettings {
  socketPath: string;
  stateDir: string;
  logDir: string;
  socketGroup: string | null;
  cgroups: "auto" | "off";
  metricsIntervalMs: number;
  metricsListen: string | null;
  runRetention: number;
  eventRetention: number;
  eventMaxAgeMs: number;
  logBufferLines: number;
  dashboard: DashboardSettings | null;
}

// [supervisor] dashboard_*: what `tend up` serves the web dashboard with.
export interface DashboardSettings {
  listen: string;
  token: string | null; // null: one is made at each start
  tlsCert: string | null; // absolute paths
  tlsKey: string | null;
  hosts: string[] | null; // null: the listen address, localhost and 127.0.0.1 with its port
  readOnly: boolean;
}

export interface Config {
  file: string | null; // absolute path, null for an empty built-in config
  supervisor: SupervisorSettings;
  processes: ProcessSpec[];
  alerts: AlertRule[];
  environment: string | null; // `tend up --env NAME`: kept by every reload
  importNotes: string | null; // a foreign file (a Procfile, …): what it could not carry over exactly
}

export function parseConfigText(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === ".json") return JSON.parse(text);
    if (ext === ".yaml" || ext === ".yml") return Bun.YAML.parse(text);
    if (ext === ".toml" || ext === "") return Bun.TOML.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: "(syntax)", message: errorMessage(err) }]);
  }
  throw new ConfigError(file, [
    { path: "(file)", message: `unknown extension "${ext}": use .toml, .yaml, .yml or .json` },
  ]);
}

// `text`, when given, is the file's content already read (by the supervisor, for the child
// that checks it: see load-isolated.ts).
export function loadConfig(
  path: string,
  env: Record<string, string | undefined> = process.env,
  text?: string,
  environment: string | null = null,
): Config {
  const file = resolve(path);
  // `tend up` with no config file: no processes, whatever the name it would have.
  if (text === "" && !existsSync(file)) return buildConfig(file, {}, env, environment);
  const content = text ?? readConfigText(file);
  const format = formatFromName(file);
  if (format === null) return buildConfig(file, parseConfigText(file, content), env, environment);
  // A Procfile, process-compose.yaml, PM2 ecosystem file or supervisord.conf, read as `tend
  // import` reads it, each time it is loaded.
  let imported: Imported;
  try {
    imported = readForeign(file, format, content, env);
  } catch (err) {
    if (!(err instanceof ImportError)) throw err;
    throw new ConfigError(
      file,
      err.problems.map((message) => ({ path: `(${format})`, message })),
    );
  }
  const config = buildConfig(file, { processes: imported.processes }, env, environment);
  const notes = imported.notes.render(`${file} (${format}): not carried over exactly:`);
  return { ...config, importNotes: notes === "" ? null : notes };
}

export function buildConfig(
  file: string,
  data: unknown,
  env: Record<string, string | undefined> = process.env,
  environment: string | null = null,
): Config {
  const parsed = configSchema.safeParse(data ?? {});
  // Unknown dependencies and cycles come with the schema's errors: every error at once.
  const issues = [
    ...(parsed.success ? [] : issuesFromZod(parsed.error)),
    ...dependencyIssues(data),
    ...alertProcessIssues(data),
    ...(parsed.success ? environmentIssues(parsed.data.processes, environment) : []),
  ];
  if (!parsed.success || issues.length) throw new ConfigError(file, issues);
  const s = parsed.data.supervisor;
  const baseDir = dirname(file);
  const rawProcesses = ((data as { processes?: Record<string, unknown> } | null)?.processes ?? {}) as Record<
    string,
    unknown
  >;
  const stateDir = abs(baseDir, s.state_dir) ?? defaultStateDir(env);
  return {
    file,
    supervisor: {
      socketPath: abs(baseDir, s.socket) ?? defaultSocketPath(env),
      stateDir,
      logDir: abs(baseDir, s.log_dir) ?? defaultLogDir(stateDir, env),
      socketGroup: s.socket_group ?? null,
      cgroups: s.cgroups,
      metricsIntervalMs: s.metrics_interval,
      metricsListen: s.metrics_listen ?? null,
      runRetention: s.run_retention,
      eventRetention: s.event_retention,
      eventMaxAgeMs: s.event_max_age,
      logBufferLines: s.log_buffer_lines,
      dashboard: dashboardOf(s, baseDir, file),
    },
    processes: Object.entries(parsed.data.processes).map(([name, p]) =>
      toProcessSpec(name, p, rawProcesses[name], baseDir, environment),
    ),
    alerts: parsed.data.alerts.map(toAlertRule),
    environment,
    importNotes: null,
  };
}

function dashboardOf(s: ParsedConfig["supervisor"], baseDir: string, file: string): DashboardSettings | null {
  if (s.dashboard_listen === undefined) return null;
  let token = s.dashboard_token ?? null;
  const tokenFile = abs(baseDir, s.dashboard_token_file);
  if (tokenFile) {
    try {
      token = readFileSync(tokenFile, "utf8").trim();
    } catch (err) {
      throw new ConfigError(file, [
        {
          path: "supervisor.dashboard_token_file",
          message: `${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        },
      ]);
    }
    if (token.length < 16)
      throw new ConfigError(file, [
        {
          path: "supervisor.dashboard_token_file",
          message: `${tokenFile}: a dashboard token needs at least 16 characters`,
        },
      ]);
  }
  return {
    listen: s.dashboard_listen,
    token,
    tlsCert: abs(baseDir, s.dashboard_tls_cert),
    tlsKey: abs(baseDir, s.dashboard_tls_key),
    hosts: s.dashboard_hosts ?? null,
    readOnly: s.dashboard_read_only,
  };
}

// `--env NAME` that no process declares is a typo, not a choice: say which environments there are.
function environmentIssues(
  processes: Record<string, { environments: Record<string, unknown> }>,
  environment: string | null,
): ConfigIssue[] {
  if (environment === null) return [];
  const known = new Set(Object.values(processes).flatMap((p) => Object.keys(p.environments)));
  if (known.has(environment)) return [];
  const have = known.size ? `the config's environments: ${[...known].sort().join(", ")}` : "it has none";
  return [{ path: "(--env)", message: `no process has environments.${environment}; ${have}` }];
}

// An alert naming a process the config does not have would never fire: say so at load.
function alertProcessIssues(data: unknown): ConfigIssue[] {
  const d = (data ?? {}) as { processes?: Record<string, unknown>; alerts?: unknown };
  if (!Array.isArray(d.alerts)) return [];
  const known = new Set(Object.keys(d.processes ?? {}));
  const issues: ConfigIssue[] = [];
  d.alerts.forEach((a: unknown, i: number) => {
    const names = (a as { processes?: unknown } | null)?.processes;
    if (!Array.isArray(names)) return;
    names.forEach((n: unknown, j: number) => {
      if (typeof n === "string" && !known.has(n)) {
        issues.push({
          path: `alerts[${i}].processes[${j}]`,
          message: `no process named "${n}" in this config`,
        });
      }
    });
  });
  return issues;
}

function abs(baseDir: string, p: string | undefined): string | null {
  return p === undefined ? null : resolve(baseDir, p);
}
