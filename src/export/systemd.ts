import type { Config } from "../config/load.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { exportContext, pathProblems } from "./facts.ts";
import { toOnCalendar } from "./oncalendar.ts";
import { ExportError, type ExportFile, type ExportResult } from "./result.ts";
import {
  type Context,
  environmentLine,
  SEARCHED,
  SINCE,
  type SystemdOptions,
  serviceSection,
} from "./systemd-service.ts";

// `tend export systemd`: one unit per process, a timer per schedule, and a target that groups
// them (README, "Export"). Keys newer than the chosen systemd version are not used; what they
// would have carried is noted instead.

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

// The unit names a process runs as: one, or one per copy of a replicated process.
function unitNames(p: Pick<ProcessSpec, "name" | "instances">, prefix: string): string[] {
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
