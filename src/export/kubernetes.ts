import { existsSync } from "node:fs";
import { readEnvFile } from "../config/env-file.ts";
import type { Config } from "../config/load.ts";
import { detectPackageManager } from "../config/package-script.ts";
import type { ProbeSpec } from "../config/probe-spec.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { spawnedArgv } from "../config/shell-line.ts";
import type { ProbeKind } from "../domain/probes.ts";
import { errorMessage } from "../errors.ts";
import { findGroup, findUser } from "../proc/accounts.ts";
import { dnsName, namingProblems } from "./dns-names.ts";
import { type ExportContext, exportContext, isTask, LOG_KEYS, pathProblems, written } from "./facts.ts";
import { toStandardCron } from "./oncalendar.ts";
import { ExportError, type ExportFile, type ExportResult } from "./result.ts";
import { yamlDocument } from "./yaml.ts";

// `tend export kubernetes`: each process as the objects a cluster runs it with (README, "Export").
// A long-running process is a Deployment, a one-shot task a Job, a scheduled one a CronJob; a
// process with a port gets a Service; env is a ConfigMap and env_file a Secret. What cannot be
// carried over exactly is noted; what cannot be carried over at all (no image, an unknown
// user, colliding names) refuses the export.

export interface KubernetesOptions {
  image: string | null; // --image: for processes without their own `image`
  namespace: string | null;
  waitImage: string; // the image of the initContainers that wait for a dependency's Service
  passwd?: string; // /etc/passwd and /etc/group text, for tests
  groups?: string;
}

type Obj = Record<string, unknown>;

const NAME_LABEL = "app.kubernetes.io/name";
const PROCESS_ANNOTATION = "tend/process";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"]);

export function exportKubernetes(config: Config, options: KubernetesOptions): ExportResult {
  const cx = exportContext(config, options);
  const { notes, problems } = cx;
  const files: ExportFile[] = [];
  const names: { kind: string; name: string; from: string }[] = [];
  for (const p of config.processes) {
    const objects = processObjects(p, cx);
    for (const o of objects.list) {
      const meta = o.metadata as { name: string };
      names.push({ kind: o.kind as string, name: meta.name, from: p.name });
    }
    const header = `# tend export kubernetes: process "${p.name}" of ${config.file ?? "(no file)"}\n`;
    const text = header + objects.list.map((o) => `---\n${yamlDocument(o)}`).join("");
    files.push({ path: `${dnsName(p.name)}.yaml`, text, ...(objects.secret ? { mode: 0o600 } : {}) });
  }
  if (config.alerts.length) notes.add("(config)", "alerts", "not carried over (use the cluster's alerting)");
  problems.push(...namingProblems(names), ...pathProblems(files));
  if (problems.length) throw new ExportError("kubernetes", problems);
  return { files, notes };
}

type Context = ExportContext<KubernetesOptions>;

function processObjects(p: ProcessSpec, cx: Context): { list: Obj[]; secret: boolean } {
  const { notes, options } = cx;
  const note = (key: string, text: string) => notes.add(p.name, key, text);
  const name = dnsName(p.name);
  const labels = { [NAME_LABEL]: name };
  const metadata = (objectName: string): Obj => ({
    name: objectName,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    labels,
    annotations: { [PROCESS_ANNOTATION]: p.name },
  });
  const image = p.image ?? options.image;
  if (image === null)
    cx.problems.push(`${p.name}: no image: add image = "…" to its table or give --image IMAGE`);
  const list: Obj[] = [];
  const envFrom: Obj[] = [];
  let secret = false;
  if (p.envFile !== null) {
    try {
      const values = readEnvFile(p.envFile);
      list.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: metadata(`${name}-env-file`),
        type: "Opaque",
        stringData: values,
      });
      envFrom.push({ secretRef: { name: `${name}-env-file` } });
      secret = true;
      note("env_file", "read now, into a Secret (tend reads the file at each start)");
    } catch (err) {
      cx.problems.push(`${p.name}: env_file: ${errorMessage(err)}`);
    }
  }
  const badKeys = Object.keys(p.env).filter((k) => !/^[-._a-zA-Z0-9]+$/.test(k));
  if (badKeys.length)
    cx.problems.push(
      `${p.name}: env: ${badKeys.map((k) => `"${k}"`).join(", ")} cannot be a ConfigMap key (letters, digits, "-", "_", ".")`,
    );
  if (Object.keys(p.env).length) {
    list.push({ apiVersion: "v1", kind: "ConfigMap", metadata: metadata(`${name}-env`), data: { ...p.env } });
    // Later sources win, as in tend: env over env_file.
    envFrom.push({ configMapRef: { name: `${name}-env` } });
  }
  if (p.expandEnv)
    note(
      "expand_env",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the syntax being described.
      "${VAR} kept as written: a shell command expands it in the container; argv arrays and env values keep it literally",
    );
  const container: Obj = {
    name,
    image: image ?? "",
    ...commandOf(p, note),
    ...workingDirOf(p, note),
    ...(envFrom.length ? { envFrom } : {}),
    ...(p.port !== null ? { ports: [{ containerPort: p.port, protocol: "TCP" }] } : {}),
    ...probesOf(p, note),
    ...preStopOf(p, note),
    ...resourcesOf(p, note),
    ...securityOf(p, cx),
  };
  const initContainers = waitsOf(p, cx);
  const containerNames = [name, ...initContainers.map((c) => c.name as string)];
  for (const [i, n] of containerNames.entries())
    if (containerNames.indexOf(n) !== i)
      cx.problems.push(`${p.name}: two containers of its pod would be named "${n}"; rename the process`);
  const podSpec: Obj = {
    ...(initContainers.length ? { initContainers } : {}),
    containers: [container],
    terminationGracePeriodSeconds: seconds(p.stopTimeoutMs, "stop_timeout", note),
  };
  const template = (restartPolicy: string | null): Obj => ({
    metadata: { labels, annotations: { [PROCESS_ANNOTATION]: p.name } },
    spec: restartPolicy === null ? podSpec : { restartPolicy, ...podSpec },
  });
  list.push(workloadOf(p, cx, metadata(name), labels, template));
  if (p.port !== null)
    list.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: metadata(name),
      spec: {
        selector: labels,
        ports: [{ name: "main", port: p.port, targetPort: p.port, protocol: "TCP" }],
      },
    });
  notesOfTheRest(p, note);
  return { list, secret };
}

function workloadOf(
  p: ProcessSpec,
  cx: Context,
  metadata: Obj,
  labels: Record<string, string>,
  template: (restartPolicy: string | null) => Obj,
): Obj {
  const note = (key: string, text: string) => cx.notes.add(p.name, key, text);
  const task = isTask(p, cx);
  if (p.schedule === null && !task) {
    if (p.restart !== "always")
      note("restart", `"${p.restart}": a Deployment's pods restart on any exit (restartPolicy Always)`);
    if (p.maxRestarts > 0)
      note("max_restarts", "no limit: Kubernetes restarts with CrashLoopBackOff forever");
    if (!p.autostart) note("autostart", "false: replicas = 0 (scale it up to start it)");
    if (p.timeoutMs !== null) note("timeout", "no counterpart for a Deployment; not carried over");
    if (p.instances !== null)
      note("instances", "replicas; TEND_INSTANCE and PORT = port + i are not set: every pod listens on port");
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        replicas: p.autostart ? (p.instances ?? 1) : 0,
        selector: { matchLabels: labels },
        template: template(null),
      },
    };
  }
  if (p.instances !== null) note("instances", "a Job runs one pod; copies are not carried over");
  // A Job's pods restart in place (OnFailure) or not at all (Never); backoffLimit counts retries.
  const restartPolicy = p.restart === "never" ? "Never" : "OnFailure";
  if (p.restart === "always")
    note("restart", '"always": a Job does not rerun a pod that succeeded (OnFailure)');
  const backoffLimit = p.restart === "never" ? 0 : p.maxRestarts > 0 ? p.maxRestarts : undefined;
  if (p.restart !== "never" && p.maxRestarts === 0)
    note("max_restarts", "0 (no limit): Kubernetes' default backoffLimit, 6 retries");
  const jobSpec: Obj = {
    ...(backoffLimit === undefined ? {} : { backoffLimit }),
    ...(p.timeoutMs === null ? {} : { activeDeadlineSeconds: seconds(p.timeoutMs, "timeout", note) }),
    template: template(restartPolicy),
  };
  if (p.timeoutMs !== null)
    note("timeout", "activeDeadlineSeconds bounds the whole Job, retries included (tend: each run)");
  if (p.schedule === null) {
    if (!p.autostart)
      note("autostart", "false: the Job is written suspended (spec.suspend = false starts it)");
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata,
      spec: { ...(p.autostart ? {} : { suspend: true }), ...jobSpec },
    };
  }
  const cron = toStandardCron(p.schedule.expression);
  if ("problem" in cron) {
    note("schedule", `${cron.problem}: a suspended Job instead of a CronJob`);
    return { apiVersion: "batch/v1", kind: "Job", metadata, spec: { suspend: true, ...jobSpec } };
  }
  if (p.autostart) note("autostart", "true: a CronJob does not run when it is created, only at its times");
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata,
    spec: {
      schedule: cron.schedule,
      ...(p.schedule.timezone ? { timeZone: p.schedule.timezone } : {}),
      // tend never runs two runs of a process at once.
      concurrencyPolicy: "Forbid",
      jobTemplate: { metadata: { labels }, spec: jobSpec },
    },
  };
}

// The command as tend spawns it (a plain shell line exec'd, so the program is PID 1 and gets the
// stop signal), with "$" doubled: Kubernetes expands $(VAR) in a command and reads $$ as $. A
// relative program is kept as written, relative to the container's working directory.
function commandOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
  if (p.script === null) {
    const argv = spawnedArgv(p.argv);
    const raw = (p.raw as { command?: unknown } | null)?.command;
    const program = Array.isArray(raw) ? raw[0] : undefined;
    if (typeof program === "string" && program.includes("/") && !program.startsWith("/")) {
      argv[0] = program;
      note("command", `"${program}" is relative: to the container's working directory`);
    }
    return { command: argv.map(dollars) };
  }
  const dir = p.cwd ?? ".";
  const found = existsSync(dir) ? detectPackageManager(dir).manager : "npm";
  const manager = found === "yarn-berry" ? "yarn" : found;
  note("script", `runs "${manager} run ${p.script}": the image needs ${manager} and the package`);
  return { command: [manager, "run", dollars(p.script)] };
}

// Kubernetes expands $(VAR) in a container's and an exec probe's command, and reads $$ as $.
function dollars(arg: string): string {
  return arg.replaceAll("$", "$$$$");
}

function probesOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
  const out: Obj = {};
  const field: Record<ProbeKind, string> = {
    startup: "startupProbe",
    readiness: "readinessProbe",
    liveness: "livenessProbe",
  };
  for (const kind of ["startup", "readiness", "liveness"] as const) {
    const probe = p.probes[kind];
    if (probe === null) continue;
    const mapped = probeOf(probe, kind, (text) => note(kind, text));
    if (mapped !== null) out[field[kind]] = mapped;
  }
  return out;
}

function probeOf(probe: ProbeSpec, kind: ProbeKind, note: (text: string) => void): Obj | null {
  const c = probe.check;
  let handler: Obj;
  if (c.type === "log") {
    note(`log probes have no counterpart: "${c.pattern}" is not checked`);
    return null;
  }
  if (c.type === "http") {
    const url = new URL(c.url);
    const https = url.protocol === "https:";
    const host = url.hostname;
    handler = {
      httpGet: {
        ...(LOOPBACK.has(host) ? {} : { host }),
        path: `${url.pathname}${url.search}`,
        port: url.port ? Number(url.port) : https ? 443 : 80,
        scheme: https ? "HTTPS" : "HTTP",
        ...(Object.keys(c.headers).length
          ? { httpHeaders: Object.entries(c.headers).map(([name, value]) => ({ name, value })) }
          : {}),
      },
    };
    if (c.method !== "GET") note(`method ${c.method}: httpGet sends GET`);
    const [only] = c.expectStatus;
    if (c.expectStatus.length !== 1 || only?.[0] !== 200 || only?.[1] !== 399)
      note("expect_status: Kubernetes passes any status from 200 to 399");
  } else if (c.type === "tcp") {
    handler = { tcpSocket: { ...(LOOPBACK.has(c.host) ? {} : { host: c.host }), port: c.port } };
  } else {
    handler = { exec: { command: c.argv.map(dollars) } };
  }
  const secs = (ms: number, what: string, min: number) => {
    const s = Math.max(min, Math.ceil(ms / 1000));
    if (s * 1000 !== ms) note(`${what} ${ms} ms: ${s} s (Kubernetes counts whole seconds, at least ${min})`);
    return s;
  };
  let successThreshold = probe.successThreshold;
  if (kind !== "readiness" && successThreshold !== 1) {
    note(`success_threshold ${successThreshold}: must be 1 for a ${kind} probe; 1`);
    successThreshold = 1;
  }
  return {
    ...handler,
    initialDelaySeconds: secs(probe.initialDelayMs, "initial_delay", 0),
    periodSeconds: secs(probe.periodMs, "interval", 1),
    timeoutSeconds: secs(probe.timeoutMs, "timeout", 1),
    successThreshold,
    failureThreshold: probe.failureThreshold,
  };
}

// cwd as written: an absolute one is the container's working directory; a relative one (to the
// config file, on this host) has no meaning in an image.
function workingDirOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
  const cwd = (p.raw as { cwd?: unknown } | null)?.cwd;
  if (typeof cwd !== "string") return {};
  if (cwd.startsWith("/")) return { workingDir: cwd };
  note("cwd", `"${cwd}" is relative to the config file: the image's working directory is used`);
  return {};
}

// Kubernetes stops a container with SIGTERM; another signal is sent by a preStop hook, which
// waits for the program (PID 1 of the container) to exit, as tend waits stop_timeout.
function preStopOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
  if (p.stopSignal === "SIGTERM") return {};
  note("stop_signal", `${p.stopSignal} by a preStop hook: the image needs /bin/sh`);
  const sig = p.stopSignal.replace(/^SIG/, "");
  return {
    lifecycle: {
      preStop: {
        exec: { command: ["/bin/sh", "-c", `kill -${sig} 1; while kill -0 1 2>/dev/null; do sleep 1; done`] },
      },
    },
  };
}

function resourcesOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
  if (p.maxMemoryBytes === null) return {};
  note("max_memory", "limits.memory: the container is OOM-killed at the limit (tend restarts it gracefully)");
  return { resources: { limits: { memory: quantity(p.maxMemoryBytes) } } };
}

function quantity(bytes: number): string {
  for (const [suffix, unit] of [
    ["Gi", 1024 ** 3],
    ["Mi", 1024 ** 2],
    ["Ki", 1024],
  ] as const)
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  return String(bytes);
}

// `user` and `group` as the numeric ids of this host's accounts: what the export can know.
function securityOf(p: ProcessSpec, cx: Context): Obj {
  if (p.user === null && p.group === null) return {};
  const out: Obj = {};
  if (p.user !== null) {
    const u = findUser(p.user, cx.options.passwd);
    if (u === null && !/^\d+$/.test(p.user))
      cx.problems.push(`${p.name}: user "${p.user}" is not an account of this host (uids are resolved here)`);
    out.runAsUser = u?.uid ?? Number(p.user);
    if (p.group === null && u !== null) out.runAsGroup = u.gid;
    cx.notes.add(
      p.name,
      "user",
      `runAsUser ${out.runAsUser}: this host's uid; the image's accounts may differ`,
    );
  }
  if (p.group !== null) {
    const g = findGroup(p.group, cx.options.groups);
    if (g === null) cx.problems.push(`${p.name}: group "${p.group}" is not a group of this host`);
    else out.runAsGroup = g.gid;
  }
  return { securityContext: out };
}

// depends_on started/healthy on a process with a port: an initContainer that waits until the
// dependency's Service accepts connections. A Service sends traffic only to ready pods, so this
// waits for the dependency's readiness probe where it has one.
function waitsOf(p: ProcessSpec, cx: Context): Obj[] {
  const out: Obj[] = [];
  for (const d of p.dependsOn) {
    const key = `depends_on.${d.name}`;
    const dep = cx.byName.get(d.name);
    if (d.condition === "completed" || d.condition === "succeeded") {
      cx.notes.add(
        p.name,
        key,
        `"${d.condition}": no offline counterpart (pods cannot wait for a Job); not waited for`,
      );
      continue;
    }
    if (dep === undefined || dep.port === null) {
      cx.notes.add(
        p.name,
        key,
        `"${d.condition}": ${d.name} has no port, so no Service to wait for; not waited for`,
      );
      continue;
    }
    if (d.condition === "started" && dep.probes.readiness !== null)
      cx.notes.add(p.name, key, `"started": waits for ${d.name}'s Service, which needs its readiness probe`);
    const service = dnsName(d.name);
    out.push({
      name: `wait-${service}`.slice(0, 63).replace(/-$/, ""),
      image: cx.options.waitImage,
      command: [
        "sh",
        "-c",
        `until nc -z ${service} ${dep.port}; do echo waiting for ${service}; sleep 1; done`,
      ],
    });
  }
  return out;
}

function notesOfTheRest(p: ProcessSpec, note: (key: string, text: string) => void): void {
  if (p.type === "forking")
    note("type", '"forking": the container must run the program in the foreground (pid_file is not read)');
  if (written(p, "backoff")) note("backoff", "Kubernetes' own back-off: 10 s doubling to 5 min");
  if (p.watch !== null) note("watch", "no counterpart: files in an image do not change; not carried over");
  if (p.restartSchedule !== null)
    note("restart_schedule", "no counterpart: use a CronJob running kubectl rollout restart");
  if (!sameCodes(p.successExitCodes)) note("success_exit_codes", "only 0 is a success in Kubernetes");
  if (p.progressPattern !== null) note("progress_pattern", "no counterpart; not carried over");
  for (const key of LOG_KEYS)
    if (written(p, key)) note(key, "container logs are the node's (kubelet rotation); not carried over");
  if (written(p, "probe_owner_check"))
    note("probe_owner_check", "no counterpart: a pod's probes see only the pod");
}

function sameCodes(codes: number[]): boolean {
  return codes.length === 1 && codes[0] === 0;
}

// Whole seconds, rounded up, with a note when that changes the value.
function seconds(ms: number, key: string, note: (key: string, text: string) => void): number {
  const s = Math.ceil(ms / 1000);
  if (s * 1000 !== ms) note(key, `${ms} ms: ${s} s (Kubernetes counts whole seconds)`);
  return s;
}
