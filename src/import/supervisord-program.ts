import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import type { MappingNotes } from "../config/mapping-notes.ts";
import { nameProblem } from "../config/names.ts";
import type { RawProcess } from "../config/schema.ts";
import { parseSizeBytes } from "../config/units.ts";
import { signalName } from "../proc/signals.ts";
import type { IniSection } from "./ini.ts";
import { shlexSplit } from "./shlex.ts";

// One [program:x] section mapped onto a tend process, each key as supervisord means it, and the
// value readers (expansion, booleans, numbers, sizes, environment=) the file's sections share.

const KNOWN_PROGRAM_KEYS = new Set([
  "command",
  "process_name",
  "numprocs",
  "numprocs_start",
  "priority",
  "autostart",
  "autorestart",
  "startsecs",
  "startretries",
  "exitcodes",
  "stopsignal",
  "stopwaitsecs",
  "stopasgroup",
  "killasgroup",
  "user",
  "directory",
  "environment",
  "redirect_stderr",
  "stdout_logfile",
  "stderr_logfile",
  "stdout_logfile_maxbytes",
  "stderr_logfile_maxbytes",
  "stdout_logfile_backups",
  "stderr_logfile_backups",
]);

export interface Context {
  notes: MappingNotes;
  problems: string[];
  env: Record<string, string | undefined>;
  globalEnv: Record<string, string>; // [supervisord] environment=, as written
}

// %(name)s, %(name)d, %(name)02d … as Python's % formatting gives them; %% is a literal %.
export function expand(
  text: string,
  vars: Record<string, string | number>,
  where: string,
  cx: Context,
): string {
  return text.replace(/%%|%\(([^)]+)\)(-?0?\d*)([sdi])/g, (all, name: string | undefined, flags, type) => {
    if (all === "%%") return "%";
    const key = name as string;
    let value: string | number | undefined = vars[key];
    if (value === undefined && key.startsWith("ENV_")) value = cx.env[key.slice(4)];
    if (value === undefined) {
      cx.problems.push(`${where}: %(${key})s is not defined`);
      return all;
    }
    if (type === "s") return String(value);
    const width = Number(String(flags).replace(/^-?0?/, "") || 0);
    const n = String(Math.trunc(Number(value)));
    return String(flags).startsWith("0") ? n.padStart(width, "0") : n.padStart(width, " ");
  });
}

function bool(v: string, where: string, cx: Context): boolean {
  if (/^(true|yes|on|1)$/i.test(v)) return true;
  if (/^(false|no|off|0)$/i.test(v)) return false;
  cx.problems.push(`${where}: "${v}" is not true or false`);
  return false;
}

function int(v: string, where: string, cx: Context): number {
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  cx.problems.push(`${where}: "${v}" is not a whole number`);
  return 0;
}

// supervisord's sizes: 1024-based KB, MB, GB.
function bytes(v: string, where: string, cx: Context): number {
  // supervisord's KB, MB and GB are 1024-based: tend's K, M and G.
  const n = parseSizeBytes(v.trim().replace(/([KMG])B$/i, "$1"));
  if (n === null) cx.problems.push(`${where}: "${v}" is not a size like 50MB`);
  return n ?? 0;
}

// environment=A="1",B=two,C="x,y": KEY=VALUE pairs separated by commas outside quotes.
export function environment(text: string, where: string, cx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  for (m = re.exec(text); m !== null && m[0] !== ""; m = re.exec(text)) {
    const raw = (m[2] as string).trim();
    // supervisord strips the quotes and nothing else.
    out[m[1] as string] = /^["']/.test(raw) ? raw.slice(1, -1) : raw;
    end = re.lastIndex;
  }
  if (end < text.trim().length) cx.problems.push(`${where}: cannot read "${text.slice(end)}" as KEY="value"`);
  return out;
}

export function program(
  name: string,
  s: IniSection,
  cx: Context,
): { priority: number; process: RawProcess } | null {
  const at = (key: string) => `${s.file}:${s.values.get(key)?.line ?? s.line} [program:${name}] ${key}`;
  const problem = nameProblem(name);
  if (problem) {
    cx.problems.push(`${s.file}:${s.line}: ${problem}`);
    return null;
  }
  const note = (key: string, text: string) => cx.notes.add(name, key, text);
  const get = (key: string) => s.values.get(key)?.value;
  for (const key of s.values.keys())
    if (!KNOWN_PROGRAM_KEYS.has(key)) note(key, "no counterpart in tend: not imported");
  const numprocs = get("numprocs") === undefined ? 1 : int(get("numprocs") as string, at("numprocs"), cx);
  const start =
    get("numprocs_start") === undefined ? 0 : int(get("numprocs_start") as string, at("numprocs_start"), cx);
  // Values naming %(process_num)… differ between copies: tend's copies differ by TEND_INSTANCE
  // (0, 1, …), expanded at each start.
  const perCopy =
    numprocs > 1 &&
    [get("command"), get("environment")].some((t) => t !== undefined && /%\(process_num\)/.test(t));
  const base: Record<string, string | number> = {
    program_name: name,
    group_name: name,
    here: dirname(s.file),
    host_node_name: hostname(),
    numprocs,
  };
  const value = (key: string, text: string, copies: "instance" | "literal" = "literal") => {
    let t = text;
    if (numprocs > 1 && /%\(process_num\)/.test(t)) {
      if (copies === "literal")
        note(key, "differs between copies in supervisord; tend uses the first copy's value for all");
      else {
        if (start !== 0 || /%\(process_num\)0?\d+d/.test(t))
          note(
            key,
            `%(process_num)… becomes \${TEND_INSTANCE}: 0, 1, … unpadded (supervisord: from ${start})`,
          );
        t = t.replace(/%\(process_num\)[-0-9]*[sd]/g, "\uE000TEND_INSTANCE\uE000");
      }
    }
    return expand(t, { ...base, process_num: start }, at(key), cx);
  };
  const commandText = get("command");
  if (commandText === undefined) {
    cx.problems.push(`${s.file}:${s.line}: [program:${name}] has no command`);
    return null;
  }
  // %(ENV_X)s is read where supervisord runs: tend reads ${X} where it runs, at each start.
  const envRefs = (t: string) => /(?<!%)%\(ENV_[^)]+\)s/.test(t);
  const runtime = envRefs(commandText) || envRefs(get("environment") ?? "");
  const toRuntime = (t: string) => t.replace(/(?<!%)%\(ENV_([^)]+)\)s/g, "\uE000$1\uE000");
  const finish = (t: string) =>
    runtime || perCopy ? t.replaceAll("$", "$$$$").replace(/\uE000([^\uE000]+)\uE000/g, "${$1}") : t;
  const argv = shlexSplit(value("command", toRuntime(commandText), "instance"));
  if (argv === null || argv.length === 0) {
    cx.problems.push(`${at("command")}: an unterminated quote, or no program`);
    return null;
  }
  const p: RawProcess = { command: argv.map(finish) };
  if (numprocs > 1) p.instances = numprocs;
  if (numprocs < 1) cx.problems.push(`${at("numprocs")}: must be at least 1`);
  const procName = get("process_name");
  if (numprocs > 1 || (procName !== undefined && procName !== "%(program_name)s"))
    note("process_name", `"${procName ?? "%(program_name)s"}": tend names copies ${name}:0, ${name}:1, …`);
  const directory = get("directory");
  if (directory !== undefined) p.cwd = resolve(dirname(s.file), value("directory", directory));
  const user = get("user");
  if (user !== undefined) p.user = value("user", user);
  // [supervisord] environment= reaches every program; the program's own wins.
  const envText = get("environment");
  const vars = {
    ...cx.globalEnv,
    ...(envText === undefined
      ? {}
      : environment(value("environment", toRuntime(envText), "instance"), at("environment"), cx)),
  };
  if (Object.keys(vars).length)
    p.env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, finish(v)]));
  if (runtime || perCopy) p.expand_env = true;
  const autostart = get("autostart");
  if (autostart !== undefined) p.autostart = bool(autostart, at("autostart"), cx);
  restartKeys({ p, get, at, note, cx });
  const stopsignal = get("stopsignal")?.trim();
  if (stopsignal !== undefined)
    p.stop_signal = /^\d+$/.test(stopsignal)
      ? signalName(Number(stopsignal))
      : `SIG${stopsignal.toUpperCase().replace(/^SIG/, "")}`;
  p.stop_timeout = `${get("stopwaitsecs") === undefined ? 10 : int(get("stopwaitsecs") as string, at("stopwaitsecs"), cx)}s`;
  for (const key of ["stopasgroup", "killasgroup"]) {
    const v = get(key);
    if (v === undefined || !bool(v, at(key), cx))
      note(
        key,
        "tend signals the program's whole process group and kills its whole tree (as stopasgroup = killasgroup = true)",
      );
  }
  logKeys({ p, get, at, note, cx });
  const priority = get("priority") === undefined ? 999 : int(get("priority") as string, at("priority"), cx);
  return { priority, process: p };
}

// One program's section as the key mappers read it.
interface Program {
  p: RawProcess;
  get: (key: string) => string | undefined;
  at: (key: string) => string; // "file:line [program:x] key", for problems
  note: (key: string, text: string) => void;
  cx: Context;
}

function restartKeys({ p, get, at, note, cx }: Program): void {
  const autorestart = (get("autorestart") ?? "unexpected").trim().toLowerCase();
  const codes = (get("exitcodes") ?? "0")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  const exitcodes = codes.map((c) => int(c, at("exitcodes"), cx));
  if (autorestart === "unexpected") {
    p.restart = "on-failure";
    p.success_exit_codes = exitcodes;
  } else if (bool(autorestart, at("autorestart"), cx)) p.restart = "always";
  else {
    p.restart = "never";
    note(
      "autorestart",
      "false: supervisord still retries a start that fails within startsecs; tend does not",
    );
  }
  // A run that exits within startsecs is a failed start; after startretries of them in a row the
  // program is FATAL. tend: max_restarts restarts in a row, counted again once a run stayed up
  // reset_after, then `failed`. supervisord waits 1 s more before each retry (1, 2, 3 …).
  const startsecs = get("startsecs") === undefined ? 1 : int(get("startsecs") as string, at("startsecs"), cx);
  const retries =
    get("startretries") === undefined ? 3 : int(get("startretries") as string, at("startretries"), cx);
  if (p.restart !== "never") {
    p.max_restarts = retries;
    p.backoff = {
      initial: "1s",
      factor: 2,
      max: `${Math.max(1, retries)}s`,
      jitter: 0,
      reset_after: startsecs === 0 ? 0 : `${startsecs}s`,
    };
    if (retries === 0)
      note("startretries", "0: tend's max_restarts 0 never gives up; supervisord gives up at once");
    if (retries > 3)
      note(
        "startretries",
        `waits 1, 2, 3 … s between retries in supervisord; tend doubles the wait up to ${retries} s`,
      );
    note(
      "startsecs",
      "a run up this long resets the count (reset_after); tend's later restarts wait 1 s, supervisord's none; a run that exits with a success code sooner is a success to tend, a failed start to supervisord",
    );
  }
}

function logKeys({ p, get, at, note, cx }: Program): void {
  const redirect = get("redirect_stderr");
  if (redirect !== undefined && bool(redirect, at("redirect_stderr"), cx)) p.log_merge = true;
  for (const key of ["stdout_logfile", "stderr_logfile"]) {
    const v = get(key);
    if (v !== undefined && v.trim().toUpperCase() !== "AUTO")
      note(key, `"${v}": tend writes NAME.out.log and NAME.err.log in its log_dir`);
  }
  const size = (key: string) => bytes(get(key) ?? "50MB", at(key), cx);
  const keep = (key: string) => (get(key) === undefined ? 10 : int(get(key) as string, at(key), cx));
  p.log_max_size = size("stdout_logfile_maxbytes");
  p.log_keep = keep("stdout_logfile_backups");
  if (size("stderr_logfile_maxbytes") !== p.log_max_size || keep("stderr_logfile_backups") !== p.log_keep)
    note("stderr_logfile_maxbytes", "tend rotates both streams alike: the stdout settings are used");
}
