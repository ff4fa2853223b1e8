#!/usr/bin/env bun
// `npm run build`: dist/tend, with its bytecode laid out by a profile of its own run. The first
// build is run the way an operator runs it (`tend up` on a few processes, `tend ps`, `tend
// status`, `tend logs`, then `tend down`), each but the down recording which functions it loads
// (BUN_BYTECODE_ORDER_OUT); the second build puts those functions together at the front of the embedded bytecode, so the
// supervisor touches fewer of the binary's pages (about 2 MiB less resident,
// `bun scripts/bench.ts --only idle-rss`) and the client verbs start from fewer page faults.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const OUT = join(ROOT, "dist/tend");
const ENTRIES = ["src/main.ts", "src/entry/client.ts", "src/entry/full.ts"];
// --smol: the runtime keeps a smaller heap and collects more often; a supervisor's heap is
// small and mostly long-lived, so this costs it nothing measurable and saves about 1 MiB.
const FLAGS = [
  "--compile",
  "--minify",
  "--bytecode",
  "--format",
  "esm",
  "--sourcemap",
  "--compile-exec-argv=--smol",
];

const BUILD_MS = 300_000; // a build that takes longer than this has hung
const STEP_MS = 20_000; // any one step of the profile run

function build(order: string[]): void {
  const args = [...FLAGS, ...(order.length ? ["--bytecode-order", order.join(",")] : []), ...ENTRIES];
  const r = Bun.spawnSync([process.execPath, "build", ...args, "--outfile", OUT], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: BUILD_MS,
    killSignal: "SIGKILL",
  });
  if (r.exitCode !== 0)
    throw new Error(
      `bun build failed (${r.exitCode === null ? `killed after ${BUILD_MS} ms` : `exit ${r.exitCode}`})`,
    );
}

// The processes the profile run started, found by the mark in their environment (every process
// tend starts inherits the supervisor's), so that nothing outlives a failed build.
function markedPids(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(mark))
        pids.push(Number(entry));
    } catch {
      // gone, or not ours to read: not one of the profile run's processes either way
    }
  }
  return pids;
}

// The profile run, in a temp dir: returns the order files, most common start first.
async function record(dir: string): Promise<string[]> {
  const socket = join(dir, "tend.sock");
  const config = join(dir, "tend.toml");
  const mark = `TEND_BUILD_PROFILE=${dir}`;
  let toml = `[supervisor]\nsocket = "${socket}"\nstate_dir = "${dir}/state"\nlog_dir = "${dir}/logs"\n\n`;
  for (let i = 0; i < 5; i++)
    toml += `[processes.p${i}]\ncommand = ["sh", "-c", "echo up; exec sleep 600"]\nrestart = "always"\n\n`;
  writeFileSync(config, toml);
  const order = (name: string) => join(dir, `${name}.order`);
  const env = (name: string) => ({
    ...process.env,
    TEND_SOCKET: socket,
    TEND_BUILD_PROFILE: dir,
    BUN_BYTECODE_ORDER_OUT: order(name),
  });
  const up = Bun.spawn([OUT, "up", "-c", config], { env: env("up"), stdio: ["ignore", "ignore", "pipe"] });
  const upErr = new Response(up.stderr).text();
  const failed = async (what: string) =>
    new Error(
      `profile run: ${what}${up.exitCode !== null ? `; tend up exited ${up.exitCode}: ${await upErr}` : ""}`,
    );
  const waitFor = async (what: string, ok: () => boolean) => {
    const until = Date.now() + STEP_MS;
    while (!ok()) {
      if (up.exitCode !== null || Date.now() > until)
        throw await failed(`${what} did not happen within ${STEP_MS} ms`);
      await Bun.sleep(10);
    }
  };
  const client = async (name: string, argv: string[]) => {
    const r = Bun.spawnSync([OUT, ...argv], {
      env: env(name),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: STEP_MS,
      killSignal: "SIGKILL",
    });
    if (r.exitCode !== 0)
      throw await failed(`tend ${argv.join(" ")} failed (${r.exitCode ?? "killed"}): ${r.stderr}`);
    return r.stdout.toString();
  };
  let ps = "";
  try {
    await waitFor("the socket", () => existsSync(socket));
    const until = Date.now() + STEP_MS;
    while ((ps.match(/running/g) ?? []).length < 5) {
      if (Date.now() > until) throw await failed(`5 running processes within ${STEP_MS} ms; tend ps: ${ps}`);
      ps = await client("ps", ["ps"]);
    }
    await client("status", ["status", "p0"]);
    await client("logs", ["logs", "p0"]);
    await client("down", ["down"]);
    // The supervisor writes its order file as it exits: wait for that, not only for the down.
    let timer: Timer | undefined;
    const exited = await Promise.race([
      up.exited,
      new Promise<null>((done) => {
        timer = setTimeout(() => done(null), STEP_MS);
      }),
    ]);
    clearTimeout(timer);
    if (exited === null) throw await failed(`tend up did not exit within ${STEP_MS} ms of tend down`);
    if (exited !== 0) throw await failed("tend up did not exit cleanly after tend down");
  } finally {
    if (up.exitCode === null) {
      up.kill("SIGKILL");
      await up.exited;
    }
    for (const pid of markedPids(mark)) process.kill(pid, "SIGKILL");
  }
  const files = ["up", "ps", "status", "logs"].map(order);
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`profile run wrote no order file: ${missing.join(", ")}`);
  return files;
}

mkdirSync(join(ROOT, "dist"), { recursive: true });
build([]);
const dir = mkdtempSync(join(tmpdir(), "tend-build-"));
try {
  build(await record(dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
