import { existsSync } from "node:fs";
import { detectPackageManager } from "../config/package-script.ts";
import type { ProbeSpec } from "../config/probe-spec.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { spawnedArgv } from "../config/shell-line.ts";
import type { ProbeKind } from "../domain/probes.ts";
import { findGroup, findUser } from "../proc/accounts.ts";
import { dnsName } from "./dns-names.ts";
import type { ExportContext } from "./facts.ts";

// The container of a process's pod: its command, probes, stop hook, limits, account, and the
// init containers that wait for its dependencies' Services.

export interface KubernetesOptions {
  image: string | null; // --image: for processes without their own `image`
  namespace: string | null;
  waitImage: string; // the image of the initContainers that wait for a dependency's Service
}

export type Obj = Record<string, unknown>;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"]);

export type Context = ExportContext<KubernetesOptions>;

// The command as tend spawns it (a plain shell line exec'd, so the program is PID 1 and gets the
// stop signal), with "$" doubled: Kubernetes expands $(VAR) in a command and reads $$ as $. A
// relative program is kept as written, relative to the container's working directory.
export function commandOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
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

export function probesOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
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
export function workingDirOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
  const cwd = (p.raw as { cwd?: unknown } | null)?.cwd;
  if (typeof cwd !== "string") return {};
  if (cwd.startsWith("/")) return { workingDir: cwd };
  note("cwd", `"${cwd}" is relative to the config file: the image's working directory is used`);
  return {};
}

// Kubernetes stops a container with SIGTERM; another signal is sent by a preStop hook, which
// waits for the program (PID 1 of the container) to exit, as tend waits stop_timeout.
export function preStopOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
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

export function resourcesOf(p: ProcessSpec, note: (key: string, text: string) => void): Obj {
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
export function securityOf(p: ProcessSpec, cx: Context): Obj {
  if (p.user === null && p.group === null) return {};
  const out: Obj = {};
  if (p.user !== null) {
    const u = findUser(p.user);
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
    const g = findGroup(p.group);
    if (g === null) cx.problems.push(`${p.name}: group "${p.group}" is not a group of this host`);
    else out.runAsGroup = g.gid;
  }
  return { securityContext: out };
}

// depends_on started/healthy on a process with a port: an initContainer that waits until the
// dependency's Service accepts connections. A Service sends traffic only to ready pods, so this
// waits for the dependency's readiness probe where it has one.
export function waitsOf(p: ProcessSpec, cx: Context): Obj[] {
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

// Whole seconds, rounded up, with a note when that changes the value.
export function seconds(ms: number, key: string, note: (key: string, text: string) => void): number {
  const s = Math.ceil(ms / 1000);
  if (s * 1000 !== ms) note(key, `${ms} ms: ${s} s (Kubernetes counts whole seconds)`);
  return s;
}
