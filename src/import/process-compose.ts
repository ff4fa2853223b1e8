import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { MappingNotes } from "../config/mapping-notes.ts";
import { nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { ImportError, type Imported } from "./imported.ts";
import {
  availability,
  type Context,
  dependencies,
  logs,
  probe,
  schedule,
  shutdown,
  templated,
  type Yaml,
} from "./process-compose-keys.ts";

// process-compose.yaml as process-compose reads it: `vars` ({{.NAME}} templates) substituted
// now; ${VAR} and ${VAR:-default} kept for tend to expand at each start (from its environment
// and the .env beside the file, as process-compose reads the OS environment and .env), an
// unset ${VAR} being empty as in process-compose, $$ a literal $; each command run by bash -c.

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
