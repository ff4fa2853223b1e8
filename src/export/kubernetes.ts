import { readEnvFile } from "../config/env-file.ts";
import type { Config } from "../config/load.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { errorMessage } from "../errors.ts";
import { dnsName, namingProblems } from "./dns-names.ts";
import { exportContext, isTask, LOG_KEYS, pathProblems, written } from "./facts.ts";
import {
  type Context,
  commandOf,
  type KubernetesOptions,
  type Obj,
  preStopOf,
  probesOf,
  resourcesOf,
  seconds,
  securityOf,
  waitsOf,
  workingDirOf,
} from "./kubernetes-container.ts";
import { toStandardCron } from "./oncalendar.ts";
import { ExportError, type ExportFile, type ExportResult } from "./result.ts";
import { yamlDocument } from "./yaml.ts";

// `tend export kubernetes`: each process as the objects a cluster runs it with (README, "Export").
// A long-running process is a Deployment, a one-shot task a Job, a scheduled one a CronJob; a
// process with a port gets a Service; env is a ConfigMap and env_file a Secret. What cannot be
// carried over exactly is noted; what cannot be carried over at all (no image, an unknown
// user, colliding names) refuses the export.

const NAME_LABEL = "app.kubernetes.io/name";
const PROCESS_ANNOTATION = "tend/process";
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
