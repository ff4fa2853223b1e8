import { readFileSync } from "node:fs";
import { parseEnvFile } from "../config/env-file.ts";
import type { Config } from "../config/load.ts";
import { resolveScript } from "../config/package-script.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { spawnedArgv } from "../config/shell-line.ts";
import { errorMessage } from "../errors.ts";
import { quoteArg } from "../systemd/unit-file.ts";
import { type ExportContext, exportContext, LOG_KEYS, pathProblems, written } from "./facts.ts";
import { toOnCalendar } from "./oncalendar.ts";
import { ExportError, type ExportFile, type ExportResult } from "./result.ts";

// `tend export systemd`: one unit per process, a timer per schedule, and a target that groups
// them (README, "Export"). Keys newer than the chosen systemd version are not used; what they
// would have carried is noted instead.

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

const SEARCHED = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";

export function exportSystemd(config: Config, options: SystemdOptions): ExportResult {
  if (options.version < SINCE.base)
    throw new ExportError("systemd", [
      `systemd ${options.version} is older than ${SINCE.base}, the oldest version tend exports for`,
    ]);
  const cx: Context = exportContext(config, options);
  const { notes, problems } = cx;
  const files: ExportFile[] = [];
  const wanted: string[] = [];
  for (const p of config.processes) {
    const made = processUnits(p, cx);
    files.push(...made.files);
    wanted.push(...made.wanted);
  }
  if (config.alerts.length) notes.add("(config)", "alerts", "not carried over (OnFailure= units can notify)");
  if (config.processes.length)
    notes.add(
      "(config)",
      "environment",
      "systemd starts services with a clean environment: nothing of `tend up`'s is inherited",
    );
  files.push({ path: `${options.prefix}.target`, text: targetUnit(config, wanted) });
  problems.push(...pathProblems(files));
  if (problems.length) throw new ExportError("systemd", problems);
  return { files, notes };
}

type Context = ExportContext<SystemdOptions>;

// The unit names a process runs as: one, or one per copy of a replicated process.
export function unitNames(p: Pick<ProcessSpec, "name" | "instances">, prefix: string): string[] {
  if (p.instances === null) return [`${prefix}-${p.name}.service`];
  return Array.from({ length: p.instances }, (_, i) => `${prefix}-${p.name}@${i}.service`);
}

function targetUnit(config: Config, wanted: string[]): string {
  return [
    header(config),
    "[Unit]",
    `Description=tend processes of ${config.file ?? "a config"}`,
    ...(wanted.length ? [`Wants=${wanted.join(" ")}`] : []),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function header(config: Config): string {
  return `# tend export systemd of ${config.file ?? "(no file)"}`;
}

function processUnits(p: ProcessSpec, cx: Context): { files: ExportFile[]; wanted: string[] } {
  const { prefix } = cx.options;
  const note = (key: string, text: string) => cx.notes.add(p.name, key, text);
  const names = unitNames(p, prefix);
  const scheduled = p.schedule !== null;
  // A task another waits for runs as a oneshot, whose start lasts until it has exited: what
  // After= then waits for. A `restart = "never"` service nothing waits for stays a service.
  const oneshot = scheduled || (cx.awaitedAsTask.has(p.name) && p.type !== "forking");
  const service = serviceSection(p, cx, oneshot, scheduled);
  const unit = unitSection(p, cx);
  const base = p.instances === null ? `${prefix}-${p.name}` : `${prefix}-${p.name}@`;
  const files: ExportFile[] = [
    { path: `${base}.service`, text: [`# process "${p.name}"`, ...unit, "", ...service, ""].join("\n") },
  ];
  if (p.instances !== null) {
    note("instances", `a template unit ${base}.service, ${p.instances} instances (TEND_INSTANCE=%i)`);
    if (p.port !== null)
      for (let i = 0; i < p.instances; i++)
        files.push({
          path: `${base}${i}.service.d/port.conf`,
          text: `[Service]\n${environmentLine("PORT", String(p.port + i))}\n`,
        });
  }
  const wanted = p.autostart ? [...names] : [];
  if (!p.autostart && !scheduled) note("autostart", "false: left out of the target (systemctl start it)");
  if (p.schedule !== null) {
    const calendar = toOnCalendar(p.schedule.expression, p.schedule.timezone);
    if ("problem" in calendar) note("schedule", `${calendar.problem}: no timer written`);
    else {
      // A replicated process gets a template timer: each copy's timer starts its own copy.
      const comment = `process "${p.name}": its schedule "${p.schedule.expression}"`;
      const unit = p.instances === null ? `${base}.service` : `${base}%i.service`;
      const text = timerUnit(comment, `tend schedule of ${p.name}`, unit, calendar.lines, prefix);
      files.push({ path: `${base}.timer`, text });
      wanted.push(...names.map((n) => n.replace(/\.service$/, ".timer")));
    }
  }
  const restarts = restartScheduleUnits(p, cx, names);
  files.push(...restarts);
  wanted.push(...restarts.filter((f) => f.path.endsWith(".timer")).map((f) => f.path));
  return { files, wanted };
}

function unitSection(p: ProcessSpec, cx: Context): string[] {
  const { prefix } = cx.options;
  const note = (key: string, text: string) => cx.notes.add(p.name, key, text);
  const requires: string[] = [];
  const wants: string[] = [];
  const after: string[] = [];
  for (const d of p.dependsOn) {
    const dep = cx.byName.get(d.name);
    if (dep === undefined) continue; // the config's own check refuses an unknown dependency
    const units = unitNames(dep, prefix);
    after.push(...units);
    if (d.condition === "completed") wants.push(...units);
    else requires.push(...units);
    if (d.condition === "healthy")
      note(`depends_on.${d.name}`, '"healthy": Requires=/After= wait for the start, not for a probe');
  }
  const lines = ["[Unit]", `Description=tend process ${p.name}`, `PartOf=${prefix}.target`];
  if (requires.length) lines.push(`Requires=${requires.join(" ")}`);
  if (wants.length) lines.push(`Wants=${wants.join(" ")}`);
  if (after.length) lines.push(`After=${after.join(" ")}`);
  lines.push(...startLimit(p, note));
  return lines;
}

// max_restarts (N restarts in a row, counted again after reset_after of up time) as a start
// rate limit: N + 1 starts within the time N restarts take at the backoff, each run up for
// less than reset_after.
function startLimit(p: ProcessSpec, note: (key: string, text: string) => void): string[] {
  if (p.restart === "never") return [];
  // The limit counts every start, a timer's included: a schedule would trip it.
  if (p.schedule !== null && p.maxRestarts > 0)
    note("max_restarts", "not carried over for a scheduled process: systemd would count its timer's starts");
  if (p.maxRestarts === 0 || p.schedule !== null) return ["StartLimitIntervalSec=0"];
  const b = p.backoff;
  let window = 0;
  for (let i = 0; i < p.maxRestarts; i++)
    window += Math.min(b.maxMs, b.initialMs * b.factor ** i) + b.resetAfterMs;
  note(
    "max_restarts",
    `${p.maxRestarts} in a row: StartLimitBurst=${p.maxRestarts + 1} within ${Math.ceil(window / 1000)} s (a rate, not a count in a row)`,
  );
  return [`StartLimitIntervalSec=${Math.ceil(window / 1000)}s`, `StartLimitBurst=${p.maxRestarts + 1}`];
}

function serviceSection(p: ProcessSpec, cx: Context, oneshot: boolean, scheduled: boolean): string[] {
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
function environmentLine(key: string, value: string, specifier = false): string {
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

function timerUnit(
  comment: string,
  description: string,
  service: string,
  lines: string[],
  prefix: string,
): string {
  return [
    `# ${comment}`,
    "[Unit]",
    `Description=${description}`,
    // Stopping the target stops the timers too, so nothing starts again.
    `PartOf=${prefix}.target`,
    "",
    "[Timer]",
    ...lines.map((l) => `OnCalendar=${l}`),
    "AccuracySec=1s",
    `Unit=${service}`,
    "",
  ].join("\n");
}

// restart_schedule: a oneshot that restarts the process if it is running, and its timer.
function restartScheduleUnits(p: ProcessSpec, cx: Context, names: string[]): ExportFile[] {
  const schedule = p.restartSchedule;
  if (schedule === null) return [];
  const calendar = toOnCalendar(schedule.expression, schedule.timezone);
  if ("problem" in calendar) {
    cx.notes.add(p.name, "restart_schedule", `${calendar.problem}: no timer written`);
    return [];
  }
  const base = `${cx.options.prefix}-${p.name}-restart`;
  const systemctl = Bun.which("systemctl", { PATH: SEARCHED }) ?? "/usr/bin/systemctl";
  const service = [
    `# process "${p.name}": its restart_schedule "${schedule.expression}"`,
    "[Unit]",
    `Description=tend restart_schedule of ${p.name}`,
    `PartOf=${cx.options.prefix}.target`,
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${systemctl} try-restart ${names.join(" ")}`,
    "",
  ].join("\n");
  return [
    { path: `${base}.service`, text: service },
    {
      path: `${base}.timer`,
      text: timerUnit(
        `process "${p.name}": its restart_schedule "${schedule.expression}"`,
        `tend restart_schedule of ${p.name}`,
        `${base}.service`,
        calendar.lines,
        cx.options.prefix,
      ),
    },
  ];
}
