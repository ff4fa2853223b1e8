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

const runsOf = (dir: string) => readFileSync(join(dir, "crashy.runs"), "utf8").trim().split("\n").map(Number);

function order(pids: Record<string, number>): string[] {
  return Object.entries(pids)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}

async function underSupervisord(dir: string, file: string): Promise<Seen> {
  const env = { ...process.env, [MARKER.split("=")[0] as string]: MARKER.split("=")[1] as string };
  const sv = Bun.spawn(["supervisord", "-c", file], { env, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const status = async () => {
      const r = Bun.spawnSync(["supervisorctl", "-c", file, "status"], { stdout: "pipe", stderr: "pipe" });
      const out: Record<string, { state: string; pid: number | null }> = {};
      for (const line of r.stdout.toString().split("\n")) {
        const m = /^(\S+)\s+([A-Z]+)\s*(?:pid (\d+))?/.exec(line);
        if (m) out[m[1] as string] = { state: m[2] as string, pid: m[3] ? Number(m[3]) : null };
      }
      return out;
    };
    const settled = (s: Awaited<ReturnType<typeof status>>) =>
      s.db?.state === "RUNNING" && s.app?.state === "RUNNING" && s.crashy?.state === "FATAL" ? s : null;
    const first = await waitFor(
      "supervisord: db and app RUNNING, crashy FATAL",
      async () => settled(await status()),
      {
        timeoutMs: 30_000,
      },
    );
    const pids = {
      db: first.db?.pid as number,
      app: first.app?.pid as number,
      crashy: runsOf(dir)[0] as number,
    };
    process.kill(pids.app, "SIGKILL");
    const after = await waitFor(
      "supervisord: app RUNNING again with a new pid",
      async () => {
        const s = await status();
        return s.app?.state === "RUNNING" && s.app.pid !== pids.app ? settled(s) : null;
      },
      { timeoutMs: 30_000 },
    );
    return {
      order: order(pids),
      restarted: ["db", "app"].filter((n) => after[n]?.pid !== pids[n as "db" | "app"]),
      final: Object.fromEntries(
        Object.entries(after).map(([n, s]) => [
          n,
          { RUNNING: "running", FATAL: "failed" }[s.state] ?? s.state,
        ]),
      ),
      crashyRuns: runsOf(dir).length,
    };
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
  type Row = { name: string; state: string; pid: number | null };
  const ps = async () => JSON.parse((await d.cli("ps", "--json")).stdout) as Row[];
  const byName = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.name, r]));
  const settled = (rows: Row[]) => {
    const s = byName(rows);
    return s.db?.state === "running" && s.app?.state === "running" && s.crashy?.state === "failed" ? s : null;
  };
  const first = await waitFor("tend: db and app running, crashy failed", async () => settled(await ps()), {
    timeoutMs: 30_000,
  });
  const pids = {
    db: first.db?.pid as number,
    app: first.app?.pid as number,
    crashy: runsOf(dir)[0] as number,
  };
  process.kill(pids.app, "SIGKILL");
  const after = await waitFor(
    "tend: app running again with a new pid",
    async () => {
      const s = settled(await ps());
      return s && s.app?.pid !== pids.app ? s : null;
    },
    { timeoutMs: 30_000 },
  );
  return {
    order: order(pids),
    restarted: ["db", "app"].filter((n) => after[n]?.pid !== pids[n as "db" | "app"]),
    final: Object.fromEntries(Object.values(after).map((r) => [r.name, r.state])),
    crashyRuns: runsOf(dir).length,
  };
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
