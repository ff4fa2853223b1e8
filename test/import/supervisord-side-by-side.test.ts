import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/cli/run.ts";
import { TestDaemon } from "../helpers/daemon.ts";
import { killAll, pidsWithEnv } from "../helpers/pids.ts";
import { recordingIo } from "../helpers/recording-io.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

// The same supervisord.conf run by supervisord (Debian's package) and, imported, by tend: the
// same start order, the same program restarted after a crash, and the same final states after
// repeated crashes (supervisord's FATAL is tend's failed).

const MARKER = `TEND_SV_TEST=${process.pid}-${Math.random().toString(36).slice(2)}`;
afterEach(() => killAll(pidsWithEnv(MARKER)));

function conf(dir: string): string {
  return `; three programs, started in priority order
[unix_http_server]
file=${dir}/supervisor.sock

[supervisord]
nodaemon=true
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:db]
command=/bin/sleep 1000
priority=10

[program:app]
command=/bin/sleep 1001
priority=20

[program:crashy]
command=/bin/sh -c "echo $$ >> %(here)s/crashy.runs; exit 3"
priority=30
startsecs=1
startretries=2
`;
}

interface Seen {
  order: string[]; // programs by the pid of their first run
  restarted: string[]; // programs whose pid changed after app was killed
  final: Record<string, string>;
  crashyRuns: number;
}

type Snapshot = Record<string, { state: string; pid: number | null }>;

const runsOf = (dir: string) => readFileSync(join(dir, "crashy.runs"), "utf8").trim().split("\n").map(Number);

// What one supervisor did with the conf, read through `snapshot` (its states in its own words):
// the order it started the programs, what it restarted after app was killed, how it ended.
async function observe(
  who: string,
  dir: string,
  snapshot: () => Promise<Snapshot>,
  words: { running: string; failed: string },
): Promise<Seen> {
  const settled = (s: Snapshot) =>
    s.db?.state === words.running && s.app?.state === words.running && s.crashy?.state === words.failed
      ? s
      : null;
  const first = await waitFor(
    `${who}: db and app ${words.running}, crashy ${words.failed}`,
    async () => settled(await snapshot()),
    { timeoutMs: 30_000 },
  );
  const pids = {
    db: first.db?.pid as number,
    app: first.app?.pid as number,
    crashy: runsOf(dir)[0] as number,
  };
  process.kill(pids.app, "SIGKILL");
  const after = await waitFor(
    `${who}: app ${words.running} again with a new pid`,
    async () => {
      const s = settled(await snapshot());
      return s && s.app?.pid !== pids.app ? s : null;
    },
    { timeoutMs: 30_000 },
  );
  const common = { [words.running]: "running", [words.failed]: "failed" };
  return {
    order: Object.entries(pids)
      .sort((a, b) => a[1] - b[1])
      .map(([name]) => name),
    restarted: ["db", "app"].filter((n) => after[n]?.pid !== pids[n as "db" | "app"]),
    final: Object.fromEntries(Object.entries(after).map(([n, s]) => [n, common[s.state] ?? s.state])),
    crashyRuns: runsOf(dir).length,
  };
}

async function underSupervisord(dir: string, file: string): Promise<Seen> {
  const [key, value] = MARKER.split("=") as [string, string];
  const sv = Bun.spawn(["supervisord", "-c", file], {
    env: { ...process.env, [key]: value },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    return await observe(
      "supervisord",
      dir,
      async () => {
        const r = Bun.spawnSync(["supervisorctl", "-c", file, "status"], { stdout: "pipe", stderr: "pipe" });
        const out: Snapshot = {};
        for (const line of r.stdout.toString().split("\n")) {
          const m = /^(\S+)\s+([A-Z]+)\s*(?:pid (\d+))?/.exec(line);
          if (m) out[m[1] as string] = { state: m[2] as string, pid: m[3] ? Number(m[3]) : null };
        }
        return out;
      },
      { running: "RUNNING", failed: "FATAL" },
    );
  } finally {
    sv.kill("SIGTERM");
    await sv.exited;
  }
}

async function underTend(dir: string, file: string): Promise<Seen> {
  const io = recordingIo({ PATH: process.env.PATH });
  const out = join(dir, "tend.toml");
  expect(await run(["import", file, "-o", out], io)).toBe(0);
  await using d = new TestDaemon("");
  d.upEnv = { TEND_STATE_DIR: join(d.dir.path, "state"), TEND_LOG_DIR: d.logDir };
  await d.start(out);
  // Awaited here: `await using` stops the supervisor when this returns.
  return await observe(
    "tend",
    dir,
    async () => {
      const rows = JSON.parse((await d.cli("ps", "--json")).stdout) as {
        name: string;
        state: string;
        pid: number | null;
      }[];
      return Object.fromEntries(rows.map((r) => [r.name, r]));
    },
    { running: "running", failed: "failed" },
  );
}

test("supervisord and tend run the same supervisord.conf alike", async () => {
  using dir = tempDir();
  const file = join(dir.path, "supervisord.conf");
  writeFileSync(file, conf(dir.path));
  const supervisord = await underSupervisord(dir.path, file);
  expect(supervisord).toEqual({
    order: ["db", "app", "crashy"],
    restarted: ["app"],
    final: { db: "running", app: "running", crashy: "failed" },
    crashyRuns: 3,
  });
  rmSync(join(dir.path, "crashy.runs"));
  expect(existsSync(join(dir.path, "crashy.runs"))).toBe(false);
  expect(await underTend(dir.path, file)).toEqual(supervisord);
}, 120_000);
