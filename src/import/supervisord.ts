import { globSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { MappingNotes } from "../config/mapping-notes.ts";
import type { RawProcess } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { ImportError, type Imported } from "./imported.ts";
import { type IniSection, parseIni, readIni } from "./ini.ts";
import { type Context, environment, expand, program } from "./supervisord-program.ts";

// supervisord.conf as supervisord reads it: [program:x] sections (with [include] files), each
// value expanded (%(program_name)s, %(process_num)02d, %(here)s, %(ENV_X)s, …), and what each key
// means in supervisord mapped onto tend's keys. supervisord's own sections ([supervisord],
// [unix_http_server], …) have tend counterparts of their own and are noted, not imported.

const OWN_SECTIONS = /^(supervisord|supervisorctl|unix_http_server|inet_http_server|rpcinterface:.*)$/;

export function importSupervisord(
  file: string,
  text: string,
  env: Record<string, string | undefined> = process.env,
): Imported {
  const cx: Context = { notes: new MappingNotes(), problems: [], env, globalEnv: {} };
  const sections = readAll(file, text, cx);
  const own = sections.find((s) => s.name === "supervisord")?.values.get("environment");
  if (own) {
    if (/%\(ENV_/.test(own.value))
      cx.problems.push(
        `${file}:${own.line} [supervisord] environment: %(ENV_X)s there is not imported; write it per program`,
      );
    else
      cx.globalEnv = environment(
        expand(own.value, { here: dirname(file) }, "[supervisord] environment", cx),
        "[supervisord] environment",
        cx,
      );
  }
  const programs: { name: string; section: IniSection; priority: number; process: RawProcess }[] = [];
  const groups = new Map<string, string[]>();
  for (const s of sections) {
    const [kind, name] = splitName(s.name);
    if (kind === "program" && name) {
      const made = program(name, s, cx);
      if (made) programs.push({ name, section: s, ...made });
    } else if (kind === "group" && name) {
      const members = (s.values.get("programs")?.value ?? "")
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
      groups.set(name, members);
      cx.notes.add(
        `[group:${name}]`,
        "programs",
        `tend has no groups: ${members.join(", ")} are imported as processes of their own`,
      );
      if (s.values.has("priority"))
        cx.notes.add(`[group:${name}]`, "priority", "the programs' own priorities order them in tend");
    } else if (kind === "include") {
      // Read already (readAll).
    } else if (OWN_SECTIONS.test(s.name)) {
      const given =
        s.name === "supervisord" && s.values.has("environment")
          ? "; its environment= goes to every program"
          : "";
      cx.notes.add(
        "(config)",
        `[${s.name}]`,
        `supervisord's own settings: tend has its own ([supervisor] in tend.toml)${given}`,
      );
    } else cx.notes.add("(config)", `[${s.name}]`, "not a program: not imported");
  }
  for (const [group, members] of groups)
    for (const m of members)
      if (!programs.some((p) => p.name === m))
        cx.problems.push(`[group:${group}] names "${m}", which has no [program:${m}]`);
  if (programs.length === 0 && cx.problems.length === 0)
    cx.problems.push("no [program:x] section: nothing to run");
  if (cx.problems.length) throw new ImportError(file, cx.problems);
  orderByPriority(programs, cx.notes);
  const processes: Record<string, RawProcess> = {};
  for (const p of programs) processes[p.name] = p.process;
  return { format: "supervisord", processes, notes: cx.notes };
}

function splitName(section: string): [string, string | null] {
  const i = section.indexOf(":");
  return i === -1 ? [section, null] : [section.slice(0, i), section.slice(i + 1).trim()];
}

// The file and the files its [include] names (globs, relative to it), in that order.
function readAll(file: string, text: string, cx: Context): IniSection[] {
  let sections: IniSection[];
  try {
    sections = parseIni(text, file);
  } catch (err) {
    throw new ImportError(file, [errorMessage(err)]);
  }
  const include = sections.find((s) => s.name === "include")?.values.get("files");
  if (!include) return sections;
  const out = [...sections];
  // supervisord expands %(here)s, %(host_node_name)s and %(ENV_X)s in the globs.
  const files = expand(
    include.value,
    { here: dirname(file), host_node_name: hostname() },
    "[include] files",
    cx,
  );
  for (const pattern of files.split(/\s+/).filter(Boolean)) {
    const glob = isAbsolute(pattern) ? pattern : join(dirname(file), pattern);
    const found = globSync(glob).sort();
    if (found.length === 0) cx.notes.add("(config)", "[include] files", `"${pattern}" matches no file`);
    for (const f of found) {
      try {
        out.push(...readIni(resolve(f)));
      } catch (err) {
        cx.problems.push(`[include] ${f}: ${errorMessage(err)}`);
      }
    }
  }
  return out;
}

// priority: supervisord starts lower priorities first. In tend each priority's programs wait
// for every autostart program of the one before to have started.
function orderByPriority(
  programs: { name: string; priority: number; process: RawProcess }[],
  notes: MappingNotes,
): void {
  const levels = [...new Set(programs.map((p) => p.priority))].sort((a, b) => a - b);
  if (levels.length < 2) return;
  for (const [i, level] of levels.entries()) {
    if (i === 0) continue;
    const before = programs.filter((p) => p.priority === levels[i - 1] && p.process.autostart !== false);
    for (const p of programs.filter((q) => q.priority === level)) {
      if (before.length === 0) continue;
      p.process.depends_on = Object.fromEntries(before.map((b) => [b.name, "started" as const]));
      notes.add(
        p.name,
        "priority",
        `${level}: starts once ${before.map((b) => b.name).join(", ")} started (one of them failed holds it back; supervisord starts it anyway)`,
      );
    }
  }
}
