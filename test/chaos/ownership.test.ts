import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { findUser } from "../../src/proc/accounts.ts";
import { BUN, REPO, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { killAll } from "../helpers/pids.ts";
import { tempDir } from "../helpers/temp.ts";
import { isRoot } from "../helpers/tmpfs.ts";
import { waitFor } from "../helpers/wait.ts";
import { reportFigures } from "./figures.ts";

// Attacks by another local user (nobody, through setpriv) on what a root supervisor trusts: its
// socket, its directories, its files. Root only; CI runs as root.
const nobody = findUser("nobody");
const canAttack = isRoot && nobody !== null && existsSync("/usr/bin/setpriv");
const asNobody = (argv: string[]) => [
  "/usr/bin/setpriv",
  "--reuid=nobody",
  "--regid=nogroup",
  "--clear-groups",
  "--",
  ...argv,
];

// A directory nobody owns, mode 0755, in a temp dir nobody can reach.
function nobodysDir(parent: string, name: string): string {
  chmodSync(parent, 0o755);
  const dir = join(parent, name);
  mkdirSync(dir, { mode: 0o755 });
  chownSync(dir, nobody?.uid ?? 65534, nobody?.gid ?? 65534);
  return dir;
}

const up = (config: string, env: Record<string, string> = {}) =>
  Bun.spawnSync([...TEND_CMD, "up", "-c", config], {
    env: { ...(process.env as Record<string, string>), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 20_000,
  });

describe.skipIf(!canAttack)("another user against a root supervisor", () => {
  test("tend up refuses a socket directory another user owns", () => {
    using t = tempDir();
    const dir = nobodysDir(t.path, "sock");
    const config = join(t.path, "tend.toml");
    writeFileSync(
      config,
      `[supervisor]\nsocket = "${dir}/tend.sock"\nstate_dir = "${t.path}/state"\nlog_dir = "${t.path}/logs"\n`,
    );
    const r = up(config);
    expect({
      code: r.exitCode,
      says: r.stderr.toString().includes(`${dir} is owned by uid ${nobody?.uid}`),
      made: existsSync(join(dir, "tend.sock")),
    }).toEqual({
      code: 1,
      says: true,
      made: false,
    });
  });

  // Regression: root's `tend ps` printed the list of a fake server that nobody had bound in
  // place of the real socket, and `tend stop` "succeeded" against it.
  test("the client refuses a socket another user owns", async () => {
    using t = tempDir();
    const dir = nobodysDir(t.path, "sock");
    const fake = join(dir, "tend.sock");
    const server = Bun.spawn(
      asNobody([
        BUN,
        "-e",
        `Bun.serve({ unix: ${JSON.stringify(fake)}, fetch: () => Response.json([{ name: "victim", state: "stopped" }]) }); console.log("up")`,
      ]),
      { stdout: "pipe", stderr: "pipe" },
    );
    try {
      await waitFor("the fake server", () => existsSync(fake));
      const r = Bun.spawnSync([...TEND_CMD, "ps", "--socket", fake], { stdio: ["ignore", "pipe", "pipe"] });
      expect({
        code: r.exitCode,
        stdout: r.stdout.toString(),
        says: r.stderr.toString().split("\n")[0],
      }).toEqual({
        code: 1,
        stdout: "",
        says: `tend: refusing the socket: ${fake} is owned by uid ${nobody?.uid}, not by root or you (uid 0): it may not be your supervisor's`,
      });
    } finally {
      killAll([server.pid]);
    }
  });

  // Regression: a tend.lock symlink in a state_dir nobody owned made tend overwrite root's file.
  test("a state_dir another user owns is refused; nothing is written through its symlinks", () => {
    using t = tempDir();
    const state = nobodysDir(t.path, "state");
    const victim = join(t.path, "root-file");
    writeFileSync(victim, "root's\n");
    symlinkSync(victim, join(state, "tend.lock"));
    const config = join(t.path, "tend.toml");
    writeFileSync(
      config,
      `[supervisor]\nsocket = "${t.path}/run/tend.sock"\nstate_dir = "${state}"\nlog_dir = "${t.path}/logs"\n`,
    );
    const r = up(config);
    reportFigures("symlink attacks", {
      files: 1,
      writtenThrough: readFileSync(victim, "utf8") === "root's\n" ? 0 : 1,
    });
    expect({
      code: r.exitCode,
      says: r.stderr.toString().includes("state_dir"),
      victim: readFileSync(victim, "utf8"),
    }).toEqual({
      code: 1,
      says: true,
      victim: "root's\n",
    });
  });

  // Regression: a NAME.out.log symlink made a child's output append to root's file.
  test("a log file that is a symlink is never written through: its lines are counted as dropped", async () => {
    await using d = new TestDaemon(
      `[processes.talker]\ncommand = ["sh", "-c", "echo secret; exec sleep 100000"]\n`,
    );
    const victim = join(d.dir.path, "root-file");
    writeFileSync(victim, "root's\n");
    mkdirSync(d.logDir, { recursive: true });
    symlinkSync(victim, join(d.logDir, "talker.out.log"));
    await d.start();
    const dropped = await waitFor("logs.dropped", async () => {
      const list = await d.json<EventRecord[]>("GET", "/v1/events?type=logs.dropped");
      return list.length ? list : null;
    });
    reportFigures("symlink attacks", {
      files: 1,
      writtenThrough: readFileSync(victim, "utf8") === "root's\n" ? 0 : 1,
    });
    expect({ victim: readFileSync(victim, "utf8"), dropped: dropped[0]?.process }).toEqual({
      victim: "root's\n",
      dropped: "talker",
    });
  });

  // socket_group: the directory is made the supervisor's, GROUP, 2750, and the socket is born
  // 0660 in that group (no chown after the bind for anyone to race).
  test("with socket_group the socket directory is 2750 root:GROUP and the socket 0660 root:GROUP", async () => {
    await using d = new TestDaemon("", 'socket_group = "daemon"');
    await d.start();
    const dir = lstatSync(join(d.dir.path, "run"));
    const sock = lstatSync(d.socket);
    expect({
      dir: [(Number(dir.mode) & 0o7777).toString(8), dir.uid, dir.gid],
      sock: [(Number(sock.mode) & 0o777).toString(8), sock.uid, sock.gid],
    }).toEqual({ dir: ["2750", 0, 1], sock: ["660", 0, 1] });
  });

  test("an unknown socket_group fails tend up before anything is bound", () => {
    using t = tempDir();
    const config = join(t.path, "tend.toml");
    writeFileSync(
      config,
      `[supervisor]\nsocket = "${t.path}/run/tend.sock"\nstate_dir = "${t.path}/state"\nlog_dir = "${t.path}/logs"\nsocket_group = "no-such-group-xyz"\n`,
    );
    const r = up(config);
    expect({
      code: r.exitCode,
      line: r.stderr.toString().trim().split("\n").at(-1),
      bound: existsSync(join(t.path, "run/tend.sock")),
    }).toEqual({
      code: 1,
      line: expect.stringContaining('supervisor.socket_group: no group "no-such-group-xyz" in /etc/group'),
      bound: false,
    });
  });
});

// A non-root user without XDG_RUNTIME_DIR keeps its socket in /tmp/tend-UID, which another user
// can make first. Both sides accept only the user's own directory, mode 0700.
const fallback = `/tmp/tend-${nobody?.uid}`;
describe.skipIf(!canAttack || existsSync(fallback))("the /tmp fallback of a non-root user", () => {
  test("tend up and the client refuse a /tmp/tend-UID that is not the user's own 0700 directory", () => {
    using t = tempDir();
    chmodSync(t.path, 0o755);
    const own = join(t.path, "own");
    mkdirSync(own);
    chownSync(own, nobody?.uid ?? 65534, nobody?.gid ?? 65534);
    const config = join(own, "tend.toml");
    writeFileSync(config, `[supervisor]\nstate_dir = "${own}/state"\nlog_dir = "${own}/logs"\n`);
    mkdirSync(fallback, { mode: 0o755 }); // made first, by root
    try {
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: own, NO_COLOR: "1" };
      const run = (...args: string[]) =>
        Bun.spawnSync(asNobody([BUN, join(REPO, "src/main.ts"), ...args]), {
          env,
          stdio: ["ignore", "pipe", "pipe"],
          timeout: 20_000,
        });
      const upResult = run("up", "-c", config);
      const ps = run("ps");
      const says = `${fallback} must be a directory of uid ${nobody?.uid} with mode 0700`;
      expect({
        up: [upResult.exitCode, upResult.stderr.toString().includes(says)],
        ps: [ps.exitCode, ps.stderr.toString().includes(says)],
      }).toEqual({ up: [1, true], ps: [1, true] });
    } finally {
      rmSync(fallback, { recursive: true, force: true });
    }
  });
});
