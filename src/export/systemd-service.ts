import { readFileSync } from "node:fs";
import { parseEnvFile } from "../config/env-file.ts";
import { resolveScript } from "../config/package-script.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { spawnedArgv } from "../config/shell-line.ts";
import { errorMessage } from "../errors.ts";
import { quoteArg } from "../systemd/unit-file.ts";
import { type ExportContext, LOG_KEYS, written } from "./facts.ts";

// A process's [Service] section: its type, command line, account, environment, restart and stop
// keys, as far as the chosen systemd version has them.

export interface SystemdOptions {
  prefix: string; // units are PREFIX-NAME.service, grouped by PREFIX.target
  version: number; // the systemd version the units are for
  path: string | undefined; // PATH for finding bare program names (the invoking shell's)
}

// The systemd version that introduced each key or value used below.
export const SINCE = {
  base: 239, // a bare program name in ExecStart=; OnCalendar= with a time zone (235), MemoryMax=
  typeExec: 240, // Type=exec: start fails when the program cannot be executed
  oneshotRestart: 244, // Restart=on-failure for Type=oneshot
  restartSteps: 254, // RestartSteps=, RestartMaxDelaySec=
} as const;

// Where systemd looks for a program given by its bare name.
export const SEARCHED = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";

export type Context = ExportContext<SystemdOptions>;

export function serviceSection(p: ProcessSpec, cx: Context, oneshot: boolean, scheduled: boolean): string[] {
  const { version } = cx.options;
  const note = (key: string, text: string) => cx.notes.add(p.name, key, text);
  const lines = ["[Service]"];
  if (p.type === "forking") {
    lines.push("Type=forking");
    if (p.pidFile !== null) lines.push(`PIDFile=${p.pidFile}`);
  } else if (oneshot) {
    lines.push("Type=oneshot");
    // A task others wait for stays active once it succeeded, so it is not run again when one
    // of them restarts; a scheduled one is inactive between runs, for its timer.
    if (!scheduled) lines.push("RemainAfterExit=yes");
  } else lines.push(version >= SINCE.typeExec ? "Type=exec" : "Type=simple");
  const command = commandOf(p, cx);
  if (command !== null) {
    lines.push(`ExecStart=${command.argv.map(quoteArg).join(" ")}`);
    if (command.cwd !== null) lines.push(`WorkingDirectory=${command.cwd}`);
  }
  if (p.user !== null) lines.push(`User=${p.user}`);
  if (p.group !== null) lines.push(`Group=${p.group}`);
  if (p.envFile !== null) {
    lines.push(`EnvironmentFile=${p.envFile}`);
    envFileNotes(p, note);
  }
  const env = { ...p.env, ...(command?.env ?? {}) };
  if (p.instances !== null) env.TEND_INSTANCE = "%i";
  for (const [k, v] of Object.entries(env)) lines.push(environmentLine(k, v, k === "TEND_INSTANCE"));
  lines.push(...restartLines(p, cx, oneshot));
  if (p.stopSignal !== "SIGTERM") lines.push(`KillSignal=${p.stopSignal}`);
  lines.push(`TimeoutStopSec=${span(p.stopTimeoutMs)}`);
  if (p.maxMemoryBytes !== null) {
    lines.push(`MemoryMax=${p.maxMemoryBytes}`);
    note(
      "max_memory",
      "MemoryMax=: the kernel OOM-kills the service at the limit (tend restarts it gracefully)",
    );
  }
  // A oneshot's run is its start: the start's timeout is the run's; a service's is its runtime.
  if (oneshot) lines.push(`TimeoutStartSec=${p.timeoutMs === null ? "infinity" : span(p.timeoutMs)}`);
  else if (p.timeoutMs !== null) lines.push(`RuntimeMaxSec=${span(p.timeoutMs)}`);
  otherNotes(p, note);
  return lines;
}

function restartLines(p: ProcessSpec, cx: Context, oneshot: boolean): string[] {
  const { version } = cx.options;
  const note = (key: string, text: string) => cx.notes.add(p.name, key, text);
  const lines: string[] = [];
  let restart = p.restart === "always" ? "always" : p.restart === "on-failure" ? "on-failure" : "no";
  if (oneshot && restart === "always") {
    note("restart", '"always": a oneshot unit restarts only on failure (Restart=on-failure)');
    restart = "on-failure";
  }
  if (oneshot && restart === "on-failure" && version < SINCE.oneshotRestart) {
    note(
      "restart",
      `"on-failure": a oneshot unit restarts only from systemd ${SINCE.oneshotRestart}; Restart=no`,
    );
    restart = "no";
  }
  lines.push(`Restart=${restart}`);
  const codes = p.successExitCodes.filter((c) => c !== 0);
  if (codes.length) lines.push(`SuccessExitStatus=${codes.join(" ")}`);
  if (!p.successExitCodes.includes(0)) note("success_exit_codes", "0 is always a success to systemd");
  if (restart === "no") return lines;
  const b = p.backoff;
  lines.push(`RestartSec=${span(b.initialMs)}`);
  if (b.maxMs > b.initialMs && b.factor > 1) {
    const exact = Math.log(b.maxMs / b.initialMs) / Math.log(b.factor);
    // 125 / 1 by 5 is 3.0000000000000004 steps in floating point: 3.
    const steps = Math.abs(exact - Math.round(exact)) < 1e-9 ? Math.round(exact) : Math.ceil(exact);
    if (version >= SINCE.restartSteps) {
      lines.push(`RestartSteps=${steps}`, `RestartMaxDelaySec=${span(b.maxMs)}`);
      if (Math.abs(b.initialMs * b.factor ** steps - b.maxMs) > 1e-6 * b.maxMs)
        note(
          "backoff",
          `RestartSteps=${steps} spreads the delays evenly from initial to max (not ×${b.factor})`,
        );
    } else
      note(
        "backoff",
        `a fixed RestartSec=${span(b.initialMs)}: growing delays need systemd ${SINCE.restartSteps} (--systemd-version)`,
      );
  }
  if (b.jitter > 0) note("backoff.jitter", `${b.jitter}: no counterpart (systemd's delays are exact)`);
  note("backoff.reset_after", "no counterpart: systemd's restart count does not reset with up time");
  return lines;
}

// The command line as systemd must be given it: an absolute program. A bare name is found on
// PATH where the export runs; `script` is read from package.json now.
function commandOf(
  p: ProcessSpec,
  cx: Context,
): { argv: string[]; cwd: string | null; env: Record<string, string> } | null {
  const note = (key: string, text: string) => cx.notes.add(p.name, key, text);
  if (p.script !== null) {
    try {
      // The process's own PATH wins over the invoking shell's, as at run time.
      const s = resolveScript(p.cwd ?? process.cwd(), p.script, { PATH: cx.options.path, ...p.env });
      note("script", "package.json read now (tend reads it at each start)");
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.env)) if (v !== undefined && p.env[k] !== v) env[k] = v;
      return { argv: spawnedArgv(s.argv), cwd: s.cwd, env };
    } catch (err) {
      cx.problems.push(`${p.name}: script: ${errorMessage(err)}`);
      return null;
    }
  }
  // As tend spawns it: a plain shell line exec'd, so the program is the main process.
  const argv = spawnedArgv(p.argv);
  const program = argv[0] as string;
  if (!program.includes("/")) {
    const found = Bun.which(program, { PATH: p.env.PATH ?? cx.options.path ?? SEARCHED });
    if (found !== null) argv[0] = found;
    else note("command", `"${program}" is not on this host's PATH; systemd looks for it in ${SEARCHED}`);
  }
  if (p.expandEnv)
    note(
      "expand_env",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the syntax being described.
      "${VAR} kept as written: a shell command expands it; an argv array keeps it literally",
    );
  return { argv, cwd: p.cwd, env: {} };
}

// A time span as systemd reads it: whole seconds where they are exact, else milliseconds.
function span(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

// Environment="K=V": `%` would start a specifier, so it is doubled (but in %i, for a copy).
export function environmentLine(key: string, value: string, specifier = false): string {
  const v = specifier ? value : value.replaceAll("%", "%%");
  const text = `${key}=${v}`.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
  return `Environment="${text}"`;
}

function envFileNotes(p: ProcessSpec, note: (key: string, text: string) => void): void {
  let text: string;
  try {
    text = readFileSync(p.envFile as string, "utf8");
  } catch (err) {
    note("env_file", `not read here (${errorMessage(err)}); systemd reads it at each start`);
    return;
  }
  if (/^\s*export\s/m.test(text)) note("env_file", "systemd does not read `export NAME=…` lines");
  if (/^[^#=\s]+\s*=\s*[^'"\s][^\n]*\s#/m.test(text))
    note("env_file", "systemd keeps a ` # comment` after an unquoted value as part of it (tend drops it)");
  const shared = Object.keys(parseEnvFile(text)).filter((k) => Object.hasOwn(p.env, k));
  if (shared.length)
    note(
      "env_file",
      `systemd lets EnvironmentFile= win over Environment= for ${shared.join(", ")} (tend: env wins)`,
    );
}

function otherNotes(p: ProcessSpec, note: (key: string, text: string) => void): void {
  for (const kind of ["startup", "readiness", "liveness"] as const)
    if (p.probes[kind] !== null) note(kind, "no probes in systemd; not carried over");
  if (p.port !== null) note("port", "not checked before each start");
  if (p.watch !== null) note("watch", "not carried over (a .path unit can restart on changes)");
  if (p.progressPattern !== null) note("progress_pattern", "no counterpart; not carried over");
  for (const key of LOG_KEYS)
    if (written(p, key)) note(key, "output goes to the journal (journalctl -u UNIT), rotated by journald");
  if (written(p, "probe_owner_check")) note("probe_owner_check", "no probes in systemd; not carried over");
}
