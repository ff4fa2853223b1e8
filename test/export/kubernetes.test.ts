import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/cli/run.ts";
import { writeConfig } from "../helpers/config-text.ts";
import { REPO } from "../helpers/daemon.ts";
import { validateStrict, yamlDocuments } from "../helpers/kubernetes-schemas.ts";
import { recordingIo } from "../helpers/recording-io.ts";
import { tempDir } from "../helpers/temp.ts";

// biome-ignore lint/suspicious/noExplicitAny: YAML documents are walked by path in assertions.
type Doc = Record<string, any>;

async function cli(argv: string[]) {
  const io = recordingIo({ PATH: process.env.PATH });
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

async function exported(file: string, ...flags: string[]): Promise<{ docs: Doc[]; stderr: string }> {
  const r = await cli(["export", "kubernetes", "-c", file, ...flags]);
  expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, stderr: "" });
  return { docs: yamlDocuments(r.stdout) as Doc[], stderr: r.stderr };
}

const WORKLOADS = new Set(["Deployment", "Job", "CronJob"]);

function podTemplate(d: Doc): Doc {
  return d.kind === "CronJob" ? d.spec.jobTemplate.spec.template : d.spec.template;
}

// Every document valid and without unknown fields; every Service selects the pods of one
// workload and targets a port they declare; every wait names a Service and a port it has.
function checkCluster(docs: Doc[]): string[] {
  const problems: string[] = [];
  for (const d of docs)
    for (const p of validateStrict(d).problems) problems.push(`${d.kind} ${d.metadata?.name}: ${p}`);
  const ns = (d: Doc) => d.metadata?.namespace ?? "default";
  const workloads = docs.filter((d) => WORKLOADS.has(d.kind));
  const services = docs.filter((d) => d.kind === "Service");
  for (const s of services) {
    const selector = Object.entries(s.spec.selector ?? {});
    if (selector.length === 0) problems.push(`Service ${s.metadata.name}: no selector`);
    const selected = workloads.filter((w) => {
      const labels = podTemplate(w).metadata?.labels ?? {};
      return ns(w) === ns(s) && selector.every(([k, v]) => labels[k] === v);
    });
    if (selected.length !== 1)
      problems.push(`Service ${s.metadata.name}: selects ${selected.length} workloads, expected 1`);
    for (const w of selected) {
      const ports = podTemplate(w).spec.containers.flatMap((c: Doc) =>
        (c.ports ?? []).map((p: Doc) => p.containerPort),
      );
      for (const p of s.spec.ports)
        if (!ports.includes(p.targetPort))
          problems.push(`Service ${s.metadata.name}: targetPort ${p.targetPort} not among ${ports}`);
    }
  }
  for (const w of workloads) {
    const selector = w.spec.selector?.matchLabels;
    const labels = podTemplate(w).metadata?.labels ?? {};
    if (selector && !Object.entries(selector).every(([k, v]) => labels[k] === v))
      problems.push(`${w.kind} ${w.metadata.name}: its selector does not match its pod template`);
    for (const c of podTemplate(w).spec.initContainers ?? []) {
      const m = /nc -z (\S+) (\d+)/.exec(c.command.join(" "));
      if (!m) {
        problems.push(`${w.kind} ${w.metadata.name}: initContainer ${c.name} waits for nothing known`);
        continue;
      }
      const target = services.find((s) => s.metadata.name === m[1] && ns(s) === ns(w));
      if (!target)
        problems.push(`${w.kind} ${w.metadata.name}: waits for Service ${m[1]}, which is not exported`);
      else if (!target.spec.ports.some((p: Doc) => p.port === Number(m[2])))
        problems.push(`${w.kind} ${w.metadata.name}: waits for ${m[1]}:${m[2]}, a port the Service lacks`);
    }
  }
  return problems;
}

const RICH = `
[processes.db]
image = "postgres:16"
command = ["postgres", "-D", "/var/lib/postgresql/data"]
port = 5432
user = "root"
env_file = "db.env"
env = { PGDATA = "/var/lib/postgresql/data", POSTGRES_DB = "app" }
readiness = { type = "exec", command = ["sh", "-c", "pg_isready -U $POSTGRES_USER"], interval = "1500ms" }
stop_signal = "SIGINT"
stop_timeout = "30s"

[processes."Web_Front.1"]
command = "bun run serve"
port = 8080
instances = 3
depends_on = { db = "healthy", seed = "succeeded", logger = "started" }
startup = { type = "log", pattern = "listening" }
readiness = { type = "http", url = "http://127.0.0.1:8080/ready?deep=1", method = "HEAD", expect_status = 204, headers = { X-Probe = "tend" } }
liveness = { type = "tcp", port = 8080, failure_threshold = 5 }
max_memory = "300MiB"
group = "root"
watch = ["src/**"]
log_max_size = "1MiB"

[processes.seed]
command = ["bun", "seed.ts"]
restart = "on-failure"
max_restarts = 2
timeout = "90s"

[processes.logger]
command = ["logger-daemon"]
type = "forking"
pid_file = "/run/logger.pid"
autostart = false

[processes.cleanup]
command = ["cleanup", "--older-than", "7d"]
schedule = "0 4 * * 1-5"
timezone = "UTC"
restart = "never"

[processes.monthly]
command = ["close-books"]
schedule = "0 0 L * *"

[processes.weekly]
command = "report --since $LAST_RUN"
schedule = "5 4 * * 7"
cwd = "reports"
`;

const richConfig = (dir: string) => writeConfig(dir, RICH, { "db.env": "POSTGRES_PASSWORD=s3cret\n" });

describe("tend export kubernetes: valid against the official schemas, strictly", () => {
  test.each([
    ["examples/tend.toml", ["--image", "oven/bun:1.3"]],
    ["examples/stack.toml", []],
    ["examples/stack.toml", ["--namespace", "shop"]],
  ])("%s %p", async (file, flags) => {
    const { docs } = await exported(join(REPO, file), ...flags);
    expect(docs.length).toBeGreaterThan(0);
    expect(checkCluster(docs)).toEqual([]);
    if (flags.includes("--namespace"))
      expect(docs.map((d) => d.metadata.namespace)).toEqual(docs.map(() => "shop"));
  });

  test("a config that uses every mapping", async () => {
    using dir = tempDir();
    const { docs, stderr } = await exported(richConfig(dir.path), "--image", "ghcr.io/acme/app:2");
    expect(checkCluster(docs)).toEqual([]);
    const of = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
    const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(
      [
        "ConfigMap/db-env",
        "CronJob/cleanup",
        "Deployment/db",
        "Deployment/logger",
        "Deployment/web-front-1",
        "Job/monthly",
        "Job/seed",
        "CronJob/weekly",
        "Secret/db-env-file",
        "Service/db",
        "Service/web-front-1",
      ].sort(),
    );
    const db = of("Deployment", "db")?.spec.template.spec;
    const dbc = db.containers[0];
    expect(dbc.image).toBe("postgres:16");
    expect(dbc.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0 });
    expect(dbc.envFrom).toEqual([
      { secretRef: { name: "db-env-file" } },
      { configMapRef: { name: "db-env" } },
    ]);
    expect(of("Secret", "db-env-file")?.stringData).toEqual({ POSTGRES_PASSWORD: "s3cret" });
    expect(of("ConfigMap", "db-env")?.data).toEqual({
      PGDATA: "/var/lib/postgresql/data",
      POSTGRES_DB: "app",
    });
    expect(dbc.readinessProbe).toEqual({
      // Kubernetes expands $(VAR) in exec probes too: "$" doubled.
      exec: { command: ["sh", "-c", "pg_isready -U $$POSTGRES_USER"] },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(dbc.lifecycle.preStop.exec.command[2]).toContain("kill -INT 1");
    expect(db.terminationGracePeriodSeconds).toBe(30);

    const web = of("Deployment", "web-front-1");
    expect(web?.spec.replicas).toBe(3);
    expect(web?.metadata.annotations["tend/process"]).toBe("Web_Front.1");
    const wc = web?.spec.template.spec.containers[0];
    // A plain shell line is exec'd, as tend runs it: the program is PID 1 and gets the signals.
    expect(wc.command).toEqual(["/bin/sh", "-c", "exec bun run serve"]);
    expect(wc.resources).toEqual({ limits: { memory: "300Mi" } });
    expect(wc.securityContext).toEqual({ runAsGroup: 0 });
    expect(wc.startupProbe).toBeUndefined();
    expect(wc.readinessProbe.httpGet).toEqual({
      path: "/ready?deep=1",
      port: 8080,
      scheme: "HTTP",
      httpHeaders: [{ name: "X-Probe", value: "tend" }],
    });
    expect(wc.livenessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(wc.livenessProbe.failureThreshold).toBe(5);
    // Only db has a port among the dependencies: one wait.
    expect(web?.spec.template.spec.initContainers.map((c: Doc) => c.command[2])).toEqual([
      "until nc -z db 5432; do echo waiting for db; sleep 1; done",
    ]);

    expect(of("Job", "seed")?.spec).toMatchObject({
      backoffLimit: 2,
      activeDeadlineSeconds: 90,
      template: { spec: { restartPolicy: "OnFailure" } },
    });
    expect(of("Deployment", "logger")?.spec.replicas).toBe(0);
    expect(of("CronJob", "cleanup")?.spec).toMatchObject({
      schedule: "0 4 * * 1-5",
      timeZone: "UTC",
      concurrencyPolicy: "Forbid",
      jobTemplate: { spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never" } } } },
    });
    expect(of("Job", "monthly")?.spec.suspend).toBe(true);
    // Kubernetes' cron has day of week 0-6; "$" is doubled, as Kubernetes reads $(VAR) and $$.
    const weekly = of("CronJob", "weekly")?.spec;
    expect(weekly.schedule).toBe("5 4 * * 0");
    expect(weekly.jobTemplate.spec.template.spec.containers[0].command).toEqual([
      "/bin/sh",
      "-c",
      "exec report --since $$LAST_RUN",
    ]);
    expect(weekly.jobTemplate.spec.template.spec.containers[0].workingDir).toBeUndefined();

    // Every key not carried over exactly is said, naming the process.
    for (const line of [
      "Web_Front.1: startup: log probes have no counterpart",
      "Web_Front.1: readiness: method HEAD: httpGet sends GET",
      "Web_Front.1: readiness: expect_status: Kubernetes passes any status from 200 to 399",
      'Web_Front.1: depends_on.seed: "succeeded": no offline counterpart',
      'Web_Front.1: depends_on.logger: "started": logger has no port',
      "Web_Front.1: instances: replicas; TEND_INSTANCE and PORT = port + i are not set",
      "Web_Front.1: max_memory: limits.memory",
      "Web_Front.1: watch: no counterpart",
      "Web_Front.1: log_max_size: container logs are the node's",
      "db: readiness: interval 1500 ms: 2 s",
      "db: env_file: read now, into a Secret",
      "db: user: runAsUser 0",
      'logger: type: "forking"',
      "logger: autostart: false: replicas = 0",
      'weekly: cwd: "reports" is relative to the config file',
      "seed: timeout: activeDeadlineSeconds bounds the whole Job",
      "db: stop_signal: SIGINT by a preStop hook: the image needs /bin/sh",
      'monthly: schedule: "L" in the day of month uses L, W, # or +, which standard cron and OnCalendar lack: a suspended Job',
    ])
      expect(stderr).toContain(line);
  });

  test("with -o, one file per process; the Secret's is readable by its owner only", async () => {
    using dir = tempDir();
    const out = join(dir.path, "k8s");
    const r = await cli(["export", "kubernetes", "-c", richConfig(dir.path), "--image", "x:1", "-o", out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      ["cleanup", "db", "logger", "monthly", "seed", "web-front-1", "weekly"].map((n) => `${n}.yaml`),
    );
    expect(statSync(join(out, "db.yaml")).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "seed.yaml")).mode & 0o777).toBe(0o644);
    const docs = readdirSync(out).flatMap((f) => yamlDocuments(readFileSync(join(out, f), "utf8")) as Doc[]);
    expect(checkCluster(docs)).toEqual([]);
    expect(r.stdout).toContain(`wrote ${join(out, "db.yaml")}`);
  });
});

test("--wait-image is the image of the init containers that wait", async () => {
  const { docs } = await exported(
    join(REPO, "examples/stack.toml"),
    "--wait-image",
    "registry.local/busybox:1.37",
  );
  const api = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "api");
  expect(api?.spec.template.spec.initContainers.map((c: Doc) => c.image)).toEqual([
    "registry.local/busybox:1.37",
  ]);
  expect(checkCluster(docs)).toEqual([]);
});

describe("the strict check fails what the schemas alone would accept", () => {
  test("a misspelt field, an unknown one, and a wrong type", async () => {
    const { docs } = await exported(join(REPO, "examples/stack.toml"));
    const deployment = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "api") as Doc;
    expect(validateStrict(deployment).problems).toEqual([]);
    const bad = structuredClone(deployment);
    bad.spec.replica = 2;
    bad.spec.template.spec.containers[0].comand = ["x"];
    bad.spec.template.spec.containers[0].readinessProbe.httpGet.paht = "/";
    expect(validateStrict(bad).problems).toEqual([
      "unknown field /spec/replica",
      "unknown field /spec/template/spec/containers/0/comand",
      "unknown field /spec/template/spec/containers/0/readinessProbe/httpGet/paht",
    ]);
    const typed = structuredClone(deployment);
    typed.spec.replicas = "two";
    expect(validateStrict(typed).problems.join("\n")).toContain("schema:");
  });

  test("checkCluster finds a Service that selects nothing and a wait for a missing Service", async () => {
    const { docs } = await exported(join(REPO, "examples/stack.toml"));
    const broken = structuredClone(docs);
    const cache = broken.find((d) => d.kind === "Service" && d.metadata.name === "cache") as Doc;
    cache.spec.selector = { "app.kubernetes.io/name": "kache" };
    expect(checkCluster(broken)).toEqual(["Service cache: selects 0 workloads, expected 1"]);
    const gone = docs.filter((d) => !(d.kind === "Service" && d.metadata.name === "cache"));
    expect(checkCluster(gone)).toEqual([
      "Deployment api: waits for Service cache, which is not exported",
      "Deployment worker: waits for Service cache, which is not exported",
    ]);
  });
});

describe("what cannot be exported is refused, with every reason, and nothing is written", () => {
  test.each([
    [
      "no image",
      `[processes.a]\ncommand = ["a"]\n[processes.b]\ncommand = ["b"]\n`,
      [],
      [
        'a: no image: add image = "…" to its table or give --image IMAGE',
        'b: no image: add image = "…" to its table or give --image IMAGE',
      ],
    ],
    [
      "two names that become one",
      `[processes."web.1"]\ncommand = ["a"]\n[processes.web-1]\ncommand = ["b"]\n`,
      ["--image", "x:1"],
      ['web.1 and web-1 both become the Deployment "web-1"; rename one of them'],
    ],
    [
      "a name too long for a CronJob",
      `[processes.${"n".repeat(53)}]\ncommand = ["a"]\nschedule = "@daily"\n`,
      ["--image", "x:1"],
      [`${"n".repeat(53)}: the CronJob name "${"n".repeat(53)}" is longer than 52 characters; rename it`],
    ],
    [
      "an env key a ConfigMap cannot hold",
      `[processes.a]\ncommand = ["a"]\nenv = { "MY VAR" = "x" }\n`,
      ["--image", "x:1"],
      ['a: env: "MY VAR" cannot be a ConfigMap key'],
    ],
    [
      "an init container named as the main one",
      `[processes.cache]\ncommand = ["c"]\nport = 6379\n[processes.wait-cache]\ncommand = ["w"]\ndepends_on = { cache = "started" }\n`,
      ["--image", "x:1"],
      ['wait-cache: two containers of its pod would be named "wait-cache"; rename the process'],
    ],
    [
      "two processes whose files would be one",
      `[processes.a_b]\ncommand = ["a"]\n[processes."a.b"]\ncommand = ["b"]\nrestart = "never"\n`,
      ["--image", "x:1"],
      ["two processes would write a-b.yaml; rename one of them"],
    ],
    [
      "an unknown user",
      `[processes.a]\ncommand = ["a"]\nuser = "no-such-account-here"\n`,
      ["--image", "x:1"],
      ['a: user "no-such-account-here" is not an account of this host (uids are resolved here)'],
    ],
    [
      "a missing env_file",
      `[processes.a]\ncommand = ["a"]\nenv_file = "nope.env"\n`,
      ["--image", "x:1"],
      ["a: env_file: cannot read env_file"],
    ],
  ])("%s", async (_what, text, flags, reasons) => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, text);
    const out = join(dir.path, "out");
    const r = await cli(["export", "kubernetes", "-c", file, "-o", out, ...(flags as string[])]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tend export kubernetes: nothing written:");
    for (const reason of reasons as string[]) expect(r.stderr).toContain(reason);
    expect(r.stdout).toBe("");
    expect(() => readdirSync(out)).toThrow();
  });

  test("names become DNS-1123 names by the documented rule", async () => {
    const { dnsName } = await import("../../src/export/dns-names.ts");
    expect(["api", "Web_Front.1", "9lives", "a--b", "x_", "UPPER"].map(dnsName)).toEqual([
      "api",
      "web-front-1",
      "p-9lives",
      "a-b",
      "x",
      "upper",
    ]);
  });

  test.each([
    [["export"], "name a target: kubernetes or systemd"],
    [["export", "nomad"], 'unknown target "nomad"'],
    [["export", "kubernetes", "--namespace", "Bad_NS"], '--namespace "Bad_NS": expected a DNS label'],
    [["export", "kubernetes", "--image", "a b"], '--image "a b": expected an image'],
    [["export", "kubernetes", "--prefix", "x"], "--prefix is an option of tend export systemd"],
    [["export", "systemd", "--image", "x:1"], "--image is an option of tend export kubernetes"],
    [["export", "systemd", "--systemd-version", "latest"], '--systemd-version "latest": expected a version'],
  ])("usage error: %p", async (argv, message) => {
    const r = await cli([...argv, "-c", join(REPO, "examples/stack.toml")]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
    expect(r.stderr).toContain(message);
  });
});

describe("what Kubernetes' own readers take differently is written so they cannot", () => {
  test.each([
    ["@DAILY", "0 0 * * *"],
    ["5 4 * * 7", "5 4 * * 0"],
    ["0 0 * * 5-7", "0 0 * * 0,5,6"],
    // robfig/cron ANDs the day fields when either begins with "*"; croner ORs them: spelt out.
    ["0 6 */10 * 1", "0 6 1,11,21,31 * 1"],
    ["*/15 9-17 * JAN-MAR MON-FRI", "0,15,30,45 9-17 * 1-3 1-5"],
    ["30 2 * * *", "30 2 * * *"],
  ])("schedule %s is %s", async (expression, schedule) => {
    const { toStandardCron } = await import("../../src/export/oncalendar.ts");
    expect(toStandardCron(expression)).toEqual({ schedule });
  });

  test("strings YAML 1.1 would read as dates, numbers or booleans stay strings", async () => {
    const { yamlDocument } = await import("../../src/export/yaml.ts");
    const data = {
      DAY: "2001-01-01",
      BIG: "1_000",
      OCTAL: "017",
      FLAG: "yes",
      on: "off",
      EMPTY: "",
      NL: "a\nb",
      NEL: "a\u0085b",
      DEL: "a\u007fb",
      "key: with colon": "é ✓ 😀",
    };
    const text = yamlDocument({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data });
    expect(text).toContain('DAY: "2001-01-01"\n');
    expect(text).toContain('  "on": "off"\n');
    // NEL is a line break to YAML 1.1 readers and DEL is refused by them: escaped.
    expect(text).toContain('NEL: "a\\u0085b"\n');
    expect(text).toContain('DEL: "a\\u007fb"\n');
    expect((Bun.YAML.parse(text) as { data: unknown }).data).toEqual(data);
  });
});
