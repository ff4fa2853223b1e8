import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import { scanProcesses } from "../../src/proc/proc-fs.ts";
import { procsOf } from "../helpers/cgroups.ts";
import { TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";
import { expectMode, killEscaped, MODES, type Mode, pidFrom, requireCgroups, runCgroup } from "./modes.ts";

// Real servers that daemonize themselves (and rewrite their environment when they set their
// process titles), run the way an operator would run them under a supervisor that knows forking
// services: type = "forking" with their pid file.
// Debian's postgresql, whichever major version is installed (.ci/run installs it).
const PG_BIN = `/usr/lib/postgresql/${
  (existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql", { withFileTypes: true }) : [])
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(b) - Number(a))[0] ?? "none"
}/bin`;

interface Server {
  name: string;
  setup(dir: string, port: number): { toml: string; pidFile: string };
  minProcesses: number; // master and workers
}

const SERVERS: Server[] = [
  {
    name: "redis",
    minProcesses: 1,
    setup(dir, port) {
      const pidFile = join(dir, "redis.pid");
      const args = ["--daemonize", "yes", "--port", `${port}`, "--bind", "127.0.0.1", "--pidfile", pidFile];
      const rest = ["--dir", dir, "--save", "", "--appendonly", "no", "--logfile", join(dir, "redis.log")];
      return { pidFile, toml: processToml("redis", ["redis-server", ...args, ...rest], pidFile, port) };
    },
  },
  {
    name: "nginx",
    minProcesses: 3,
    setup(dir, port) {
      const pidFile = join(dir, "nginx.pid");
      const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map((t) => `${t}_temp_path ${join(dir, t)};`)
        .join(" ");
      // nginx's default daemon mode: the master forks away and the command exits 0.
      writeFileSync(
        join(dir, "nginx.conf"),
        `pid ${pidFile};\nerror_log ${join(dir, "error.log")};\nworker_processes 2;\n` +
          `events { worker_connections 64; }\n` +
          `http { access_log off; ${temp} server { listen 127.0.0.1:${port}; location / { return 200 "ok"; } } }\n`,
      );
      const command = ["nginx", "-c", join(dir, "nginx.conf"), "-p", dir];
      return { pidFile, toml: processToml("nginx", command, pidFile, port) };
    },
  },
  {
    name: "postgres",
    minProcesses: 3,
    setup(dir, port) {
      const pg = join(dir, "pg");
      mkdirSync(pg);
      chownSync(pg, PG_UID, PG_GID);
      const init = Bun.spawnSync(
        ["setpriv", `--reuid=${PG_UID}`, `--regid=${PG_GID}`, "--init-groups", `${PG_BIN}/initdb`, ...INITDB],
        { env: { PATH: process.env.PATH ?? "", LANG: "C" }, cwd: pg, stdout: "pipe", stderr: "pipe" },
      );
      if (init.exitCode !== 0) throw new Error(`initdb: ${init.stderr.toString()}`);
      const data = join(pg, "data");
      const opts = `-p ${port} -k ${pg} -c listen_addresses=127.0.0.1`;
      const command = [`${PG_BIN}/pg_ctl`, "start", "-w", "-D", data, "-l", join(pg, "pg.log"), "-o", opts];
      const pidFile = join(data, "postmaster.pid");
      const toml = `${processToml("postgres", command, pidFile, port)}user = "postgres"\nstop_signal = "SIGINT"\n`;
      return { pidFile, toml };
    },
  },
];

const INITDB = ["-D", "data", "-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions"];
const PG_UID = Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim());
const PG_GID = Number(Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim());

function processToml(name: string, command: string[], pidFile: string, port: number): string {
  return `
[processes.${name}]
command = ${JSON.stringify(command)}
type = "forking"
pid_file = "${pidFile}"
stop_timeout = "20s"
readiness = { type = "tcp", host = "127.0.0.1", port = ${port}, interval = "200ms" }
`;
}

// The server's processes now: the run's cgroup, or in the fallback the main process and its
// descendants (what the tree walk from the pid file's process finds).
async function serverProcesses(d: TestDaemon, name: string, mode: Mode, main: ProcId): Promise<ProcId[]> {
  const pids = mode === "cgroup" ? procsOf(await runCgroup(d, name)) : [main.pid, ...descendantsOf(main.pid)];
  return pids.flatMap((pid) => procId(pid) ?? []);
}

function descendantsOf(root: number): number[] {
  const all = scanProcesses();
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    for (const p of all)
      if (p.ppid === pid && p.state !== "Z") {
        out.push(p.pid);
        queue.push(p.pid);
      }
  }
  return out;
}

async function upAndServing(d: TestDaemon, s: Server, mode: Mode, pidFile: string) {
  await d.waitState(s.name, "running", 30_000);
  const main = await pidFrom(pidFile);
  const ready = await waitFor(
    `${s.name} to be healthy, its main process signalled by tend, and its memory shown`,
    async () => {
      const p = await d.process<ProcessDetail>(s.name);
      if (p.state !== "running" || p.health !== "healthy" || p.pid !== main.pid || !(p.memory ?? 0))
        throw new Error(`${p.state}/${p.health}, pid ${p.pid} (main ${main.pid}), memory ${p.memory}`);
      return p;
    },
    { timeoutMs: 30_000 },
  );
  const procs = await serverProcesses(d, s.name, mode, main);
  expect(procs.length, `${s.name}: its processes`).toBeGreaterThanOrEqual(s.minProcesses);
  return { ready, procs };
}

for (const { mode, supervisor } of MODES) {
  describe(`${mode} mode`, () => {
    for (const s of SERVERS) {
      test(`${s.name}, daemonizing itself, is running with its memory shown; tend stop and tend down leave none of it`, async () => {
        requireCgroups(mode);
        await using d = new TestDaemon("", `${supervisor}\nmetrics_interval = "200ms"`);
        chmodSync(d.dir.path, 0o755);
        const port = freePort();
        const { toml, pidFile } = s.setup(d.dir.path, port);
        d.appendConfig(toml);
        const seen: ProcId[] = [];
        try {
          await d.start();
          await expectMode(d, mode);
          const first = await upAndServing(d, s, mode, pidFile);
          seen.push(...first.procs);
          const ps = await d.cli("ps");
          expect(ps.stdout, "tend ps to show its memory").toMatch(
            new RegExp(`${s.name}\\s.*\\d+(\\.\\d+)? ?[KMG]i?B`),
          );

          const stop = await d.cli("stop", s.name);
          expect(stop.code, `tend stop: ${stop.stderr}`).toBe(0);
          expect(first.procs.filter(stillAlive), `${s.name}: processes left after tend stop`).toEqual([]);

          expect((await d.cli("start", s.name)).code).toBe(0);
          const second = await upAndServing(d, s, mode, pidFile);
          seen.push(...second.procs);
          const down = await d.cli("down");
          expect(down.code, `tend down: ${down.stderr}`).toBe(0);
          await waitFor("tend up to exit after tend down", () => d.proc?.exitCode !== null, {
            timeoutMs: 30_000,
          });
          expect(second.procs.filter(stillAlive), `${s.name}: processes left after tend down`).toEqual([]);
        } finally {
          killEscaped(seen);
        }
      }, 90_000);
    }
  });
}
