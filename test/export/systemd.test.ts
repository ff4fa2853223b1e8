import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Cron } from "croner";
import { run } from "../../src/cli/run.ts";
import { toOnCalendar } from "../../src/export/oncalendar.ts";
import { writeConfig } from "../helpers/config-text.ts";
import { REPO } from "../helpers/daemon.ts";
import { recordingIo } from "../helpers/recording-io.ts";
import { tempDir } from "../helpers/temp.ts";

async function cli(argv: string[]) {
  const io = recordingIo({ PATH: process.env.PATH });
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

// Every file under dir, relative to it.
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

async function exportTo(config: string, out: string, ...flags: string[]) {
  const r = await cli(["export", "systemd", "-c", config, "-o", out, ...flags]);
  expect({ code: r.code, error: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, error: "" });
  return r;
}

// systemd's own check of the units, as the host's systemd would load them from `dir`: every
// unit file, and each instance of a template. Unknown keys and bad values are only warned
// about (exit 0), so stderr must be empty too.
function verify(dir: string, instances: string[] = []): { code: number; stderr: string } {
  const units = filesUnder(dir).filter((f) => !f.includes("/"));
  const r = Bun.spawnSync(["systemd-analyze", "verify", "--man=no", ...units, ...instances], {
    cwd: dir,
    env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_LOG_LEVEL: "notice" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode ?? -1, stderr: `${r.stdout.toString()}${r.stderr.toString()}` };
}

// The [Unit] dependencies of a unit file: Requires=, Wants=, After= as sets of unit names.
function dependenciesOf(text: string): Record<"Requires" | "Wants" | "After", string[]> {
  const out = { Requires: [] as string[], Wants: [] as string[], After: [] as string[] };
  for (const line of text.split("\n")) {
    const m = /^(Requires|Wants|After)=(.*)$/.exec(line);
    if (m) out[m[1] as keyof typeof out].push(...(m[2] as string).split(/\s+/).filter(Boolean));
  }
  for (const k of Object.keys(out) as (keyof typeof out)[]) out[k].sort();
  return out;
}

const RICH = `
[processes.db]
command = ["sleep", "infinity"]
port = 5432
user = "root"
env_file = "db.env"
env = { SPACED = "a b", PERCENT = "50%", QUOTED = 'say "hi"', DOLLAR = "$HOME" }
stop_signal = "SIGINT"
stop_timeout = "30s"
max_memory = "256MiB"
readiness = { type = "tcp", port = 5432 }

[processes.migrate]
command = "echo migrating"
restart = "never"
timeout = "2m"

[processes.api]
command = ["/bin/sleep", "infinity"]
port = 3000
instances = 2
depends_on = { db = "healthy", migrate = "succeeded" }
restart = "always"
backoff = { initial = "500ms", factor = 2, max = "8s", jitter = 0 }

[processes.worker]
command = ["sh", "-c", "sleep 1000"]
depends_on = { api = "started", audit = "completed" }
max_restarts = 3
success_exit_codes = [0, 3]
restart_schedule = "0 5 * * *"

[processes.audit]
command = ["true"]
restart = "never"

[processes.legacy]
command = ["/bin/sh", "-c", "sleep 1000 & echo $! > /run/legacy.pid"]
type = "forking"
pid_file = "/run/legacy.pid"
autostart = false

[processes.report]
command = ["date"]
schedule = "*/20 9-17 * * MON-FRI"
timezone = "Europe/Paris"
timeout = "10m"

[processes.either]
command = ["true"]
schedule = "0 0 15 * 5"

[processes.last-day]
command = ["true"]
schedule = "0 0 L * *"

[processes.oneoff]
command = ["true"]
restart = "never"

[processes.batch]
command = ["true"]
instances = 2
schedule = "0 1 * * *"
max_restarts = 2
backoff = { initial = "1s", factor = 5, max = "125s" }
`;

const richConfig = (dir: string) => writeConfig(dir, RICH, { "db.env": "POSTGRES_PASSWORD=s3cret\n" });

describe("tend export systemd: units systemd-analyze verify accepts", () => {
  test.each(["examples/tend.toml", "examples/stack.toml"])("%s", async (file) => {
    using dir = tempDir();
    await exportTo(join(REPO, file), dir.path);
    const instances = file.includes("stack") ? ["tend-api@0.service", "tend-api@1.service"] : [];
    expect(verify(dir.path, instances)).toEqual({ code: 0, stderr: "" });
  });

  test("a config that uses every mapping", async () => {
    using dir = tempDir();
    const out = join(dir.path, "units");
    const r = await exportTo(richConfig(dir.path), out);
    expect(filesUnder(out)).toEqual(
      [
        "tend-api@.service",
        "tend-api@0.service.d/port.conf",
        "tend-api@1.service.d/port.conf",
        "tend-audit.service",
        "tend-batch@.service",
        "tend-batch@.timer",
        "tend-db.service",
        "tend-either.service",
        "tend-either.timer",
        "tend-last-day.service",
        "tend-legacy.service",
        "tend-migrate.service",
        "tend-oneoff.service",
        "tend-report.service",
        "tend-report.timer",
        "tend-worker-restart.service",
        "tend-worker-restart.timer",
        "tend-worker.service",
        "tend.target",
      ].sort(),
    );
    const instances = [
      "tend-api@0.service",
      "tend-api@1.service",
      "tend-batch@0.service",
      "tend-batch@1.timer",
    ];
    expect(verify(out, instances)).toEqual({ code: 0, stderr: "" });
    const unit = (name: string) => readFileSync(join(out, name), "utf8");
    const db = unit("tend-db.service");
    for (const line of [
      `ExecStart=${Bun.which("sleep")} infinity`,
      "Type=exec",
      "User=root",
      `EnvironmentFile=${join(dir.path, "db.env")}`,
      'Environment="SPACED=a b"',
      'Environment="PERCENT=50%%"',
      'Environment="QUOTED=say \\"hi\\""',
      'Environment="DOLLAR=$HOME"',
      "KillSignal=SIGINT",
      "TimeoutStopSec=30s",
      "MemoryMax=268435456",
      "Restart=on-failure",
      "StartLimitIntervalSec=0",
    ])
      expect(db.split("\n")).toContain(line);
    const api = unit("tend-api@.service");
    expect(api).toContain('Environment="TEND_INSTANCE=%i"');
    expect(unit("tend-api@1.service.d/port.conf")).toBe('[Service]\nEnvironment="PORT=3001"\n');
    expect(unit("tend-migrate.service")).toContain("Type=oneshot\nRemainAfterExit=yes\n");
    // A plain shell line is exec'd, as tend runs it.
    expect(unit("tend-migrate.service")).toContain('ExecStart=/bin/sh -c "exec echo migrating"\n');
    // A task nothing waits for stays a service: a oneshot's long start would hold After= units.
    expect(unit("tend-oneoff.service")).toContain("Type=exec\n");
    expect(unit("tend-oneoff.service")).toContain("Restart=no\n");
    // A replicated scheduled process: a template timer, each copy's starting its own copy.
    expect(unit("tend-batch@.timer")).toContain("Unit=tend-batch@%i.service\n");
    expect(unit("tend-batch@.service")).toContain("StartLimitIntervalSec=0\n");
    expect(unit("tend-batch@.service")).toContain("RestartSec=1s\n");
    for (const name of ["tend-report.timer", "tend-worker-restart.timer", "tend-worker-restart.service"])
      expect({ name, partOf: unit(name).includes("PartOf=tend.target\n") }).toEqual({ name, partOf: true });
    expect(unit("tend-migrate.service")).toContain("TimeoutStartSec=120s\n");
    expect(unit("tend-worker.service")).toContain("SuccessExitStatus=3\n");
    expect(unit("tend-worker.service")).toContain("StartLimitBurst=4\n");
    expect(unit("tend-legacy.service")).toContain("Type=forking\nPIDFile=/run/legacy.pid\n");
    expect(unit("tend-report.service")).toContain("Type=oneshot\n");
    expect(unit("tend-report.service")).not.toContain("RemainAfterExit");
    expect(unit("tend-report.timer")).toContain(
      "OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 09,10,11,12,13,14,15,16,17:00/20:00 Europe/Paris\n",
    );
    expect(unit("tend-either.timer")).toContain(
      "OnCalendar=*-*-15 00:00:00\nOnCalendar=Fri *-*-* 00:00:00\n",
    );
    expect(unit("tend-worker-restart.service")).toContain("try-restart tend-worker.service\n");
    const target = unit("tend.target");
    expect(dependenciesOf(target).Wants).toEqual(
      [
        "tend-api@0.service",
        "tend-api@1.service",
        "tend-audit.service",
        "tend-batch@0.timer",
        "tend-batch@1.timer",
        "tend-db.service",
        "tend-either.timer",
        "tend-migrate.service",
        "tend-oneoff.service",
        "tend-report.timer",
        "tend-worker-restart.timer",
        "tend-worker.service",
      ].sort(),
    );
    for (const line of [
      "db: readiness: no probes in systemd",
      'api: depends_on.db: "healthy": Requires=/After= wait for the start, not for a probe',
      "api: instances: a template unit tend-api@.service, 2 instances",
      "worker: max_restarts: 3 in a row: StartLimitBurst=4",
      "legacy: autostart: false: left out of the target",
      'last-day: schedule: "L" in the day of month uses L, W, # or +, which standard cron and OnCalendar lack: no timer written',
      "backoff: a fixed RestartSec=1s: growing delays need systemd 254",
      "batch: max_restarts: not carried over for a scheduled process",
    ])
      expect(r.stderr).toContain(line);
  });

  test("the Requires/After graph is the config's dependency graph", async () => {
    using dir = tempDir();
    const file = richConfig(dir.path);
    const out = join(dir.path, "units");
    await exportTo(file, out);
    type Written = { depends_on?: Record<string, string>; instances?: number };
    const processes = (Bun.TOML.parse(RICH) as { processes: Record<string, Written> }).processes;
    const unitsOf = (name: string) => {
      const n = processes[name]?.instances;
      return n === undefined
        ? [`tend-${name}.service`]
        : Array.from({ length: n }, (_, i) => `tend-${name}@${i}.service`);
    };
    for (const [name, p] of Object.entries(processes)) {
      const deps = Object.entries(p.depends_on ?? {});
      const hard = deps.filter(([, c]) => c !== "completed").flatMap(([d]) => unitsOf(d));
      const soft = deps.filter(([, c]) => c === "completed").flatMap(([d]) => unitsOf(d));
      const file = p.instances === undefined ? `tend-${name}.service` : `tend-${name}@.service`;
      const got = dependenciesOf(readFileSync(join(out, file), "utf8"));
      expect({ name, ...got }).toEqual({
        name,
        Requires: hard.sort(),
        Wants: soft.sort(),
        After: [...hard, ...soft].sort(),
      });
      // A task waited for is a oneshot: After= holds the dependent until it has exited.
      for (const [d, c] of deps)
        if (c === "succeeded" || c === "completed")
          expect({
            d,
            text: readFileSync(join(out, `tend-${d}.service`), "utf8").includes("Type=oneshot\n"),
          }).toEqual({ d, text: true });
    }
  });

  test("--systemd-version decides which keys are used", async () => {
    using dir = tempDir();
    const file = richConfig(dir.path);
    const newer = join(dir.path, "v254");
    const r = await exportTo(file, newer, "--systemd-version", "254");
    const api = readFileSync(join(newer, "tend-api@.service"), "utf8");
    expect(api).toContain("RestartSec=500ms\nRestartSteps=4\nRestartMaxDelaySec=8s\n");
    expect(r.stderr).not.toContain("growing delays need systemd 254");
    // The default backoff (1s ×2 up to 60s) is not a power of 2 apart: said.
    expect(r.stderr).toContain(
      "db, worker, legacy, report, either, last-day: backoff: RestartSteps=6 spreads the delays evenly",
    );
    // 1s ×5 up to 125s is three exact steps (not four, as floating point would have it).
    expect(readFileSync(join(newer, "tend-batch@.service"), "utf8")).toContain(
      "RestartSteps=3\nRestartMaxDelaySec=125s\n",
    );
    expect(r.stderr).not.toContain("batch: backoff: RestartSteps");
    const older = join(dir.path, "v252");
    await exportTo(file, older, "--systemd-version", "252");
    expect(readFileSync(join(older, "tend-api@.service"), "utf8")).not.toContain("RestartSteps");
    const tooOld = await cli(["export", "systemd", "-c", file, "--systemd-version", "219"]);
    expect(tooOld.code).toBe(1);
    expect(tooOld.stderr).toContain("systemd 219 is older than 239");
  });

  test("without -o, every file on stdout, each under its name", async () => {
    const r = await cli(["export", "systemd", "-c", join(REPO, "examples/tend.toml")]);
    expect(r.code).toBe(0);
    for (const name of ["web", "ticker", "flaky", "once"])
      expect(r.stdout).toContain(`# file: tend-${name}.service\n# process "${name}"`);
    expect(r.stdout).toContain("[Install]\nWantedBy=multi-user.target\n");
  });
});

test("--prefix names every unit and the target that groups them", async () => {
  using dir = tempDir();
  await exportTo(join(REPO, "examples/stack.toml"), dir.path, "--prefix", "shop");
  const files = filesUnder(dir.path);
  expect(files.filter((f) => !f.startsWith("shop-") && f !== "shop.target")).toEqual([]);
  const worker = readFileSync(join(dir.path, "shop-worker.service"), "utf8");
  expect(dependenciesOf(worker)).toEqual({
    Requires: ["shop-cache.service"],
    Wants: [],
    After: ["shop-cache.service"],
  });
  expect(worker).toContain("PartOf=shop.target\n");
  expect(verify(dir.path, ["shop-api@0.service", "shop-api@1.service"])).toEqual({ code: 0, stderr: "" });
});

describe("schedules as OnCalendar name the times croner names", () => {
  const BASE = Date.parse("2027-01-10T10:17:00Z");
  const N = 24;
  test.each([
    "30 2 * * *",
    "*/15 * * * *",
    "0 9-17/2 * * 1-5",
    "0 0 1,15 * *",
    "0 0 15 * 5",
    "0 6 */2 * 1",
    "15 10 */3 * *",
    "0 12 * JAN,JUL SUN",
    "5 4 * * 7",
    "5-50/20 3 * * *",
    "@weekly",
    "@hourly",
    "@yearly",
    "0 0 29 2 *",
  ])("%s", (expression) => {
    const calendar = toOnCalendar(expression, "UTC");
    if ("problem" in calendar) throw new Error(calendar.problem);
    const r = Bun.spawnSync(
      ["systemd-analyze", "calendar", `--iterations=${N}`, `--base-time=@${BASE / 1000}`, ...calendar.lines],
      { env: { ...process.env, TZ: "UTC" }, stdout: "pipe", stderr: "pipe" },
    );
    expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: "" });
    const times = [
      ...r.stdout
        .toString()
        .matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g),
    ].map((m) => Date.parse(`${(m[1] as string).replace(" ", "T")}Z`));
    const systemd = [...new Set(times)].sort((a, b) => a - b).slice(0, N);
    const croner = new Cron(expression, { timezone: "UTC", paused: true })
      .nextRuns(N, new Date(BASE))
      .map((d) => d.getTime());
    expect(systemd.map((t) => new Date(t).toISOString())).toEqual(
      croner.map((t) => new Date(t).toISOString()),
    );
  });

  test.each([
    ["0 0 L * *", "day of month"],
    ["0 0 * * 5#2", "day of week"],
    ["0 0 15W * *", "day of month"],
  ])("%s is listed, not approximated", (expression, field) => {
    const calendar = toOnCalendar(expression, null);
    expect(calendar).toEqual({
      problem: expect.stringContaining(`in the ${field} uses L, W, # or +`) as unknown as string,
    });
  });
});

describe("tend export systemd refuses what would overwrite itself, and writes nothing", () => {
  test("a restart_schedule's units and a process named NAME-restart", async () => {
    using dir = tempDir();
    const file = writeConfig(
      dir.path,
      '[processes.web]\ncommand = ["true"]\nrestart_schedule = "0 4 * * *"\n[processes.web-restart]\ncommand = ["true"]\n',
    );
    const out = join(dir.path, "units");
    const r = await cli(["export", "systemd", "-c", file, "-o", out, "--systemd-version", "252"]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
    expect(r.stderr).toContain("two processes would write tend-web-restart.service; rename one of them");
    expect(() => readdirSync(out)).toThrow();
  });

  test("a directory it cannot write into", async () => {
    using dir = tempDir();
    const blocker = join(dir.path, "units");
    await Bun.write(blocker, "a file, not a directory\n");
    const r = await cli([
      "export",
      "systemd",
      "-c",
      join(REPO, "examples/tend.toml"),
      "-o",
      blocker,
      "--systemd-version",
      "252",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`tend export: cannot write to ${blocker}`);
    expect(readFileSync(blocker, "utf8")).toBe("a file, not a directory\n");
  });
});
