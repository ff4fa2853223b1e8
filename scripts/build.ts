#!/usr/bin/env bun
// `npm run build`: dist/tend, with its bytecode laid out by a profile of its own run. The first
// build is run the way an operator runs it (`tend up` on a few processes, `tend ps`, `tend
// status`, `tend down`), each recording which functions it loads (BUN_BYTECODE_ORDER_OUT); the
// second build puts those functions together at the front of the embedded bytecode, so the
// supervisor touches fewer of the binary's pages (about 2 MiB less resident,
// `bun scripts/bench.ts --only idle-rss`) and the client verbs start from fewer page faults.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

function build(order: string[]): void {
  const args = [...FLAGS, ...(order.length ? ["--bytecode-order", order.join(",")] : []), ...ENTRIES];
  const r = Bun.spawnSync([process.execPath, "build", ...args, "--outfile", OUT], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.exitCode !== 0) throw new Error(`bun build failed (exit ${r.exitCode})`);
}

async function waitFor(what: string, ok: () => boolean, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`profile run: ${what} did not happen within ${deadlineMs} ms`);
    await Bun.sleep(10);
  }
}

// The profile run, in a temp dir: returns the order files, most common start first.
async function record(dir: string): Promise<string[]> {
  const socket = join(dir, "tend.sock");
  const config = join(dir, "tend.toml");
  let toml = `[supervisor]\nsocket = "${socket}"\nstate_dir = "${dir}/state"\nlog_dir = "${dir}/logs"\n\n`;
  for (let i = 0; i < 5; i++)
    toml += `[processes.p${i}]\ncommand = ["sh", "-c", "echo up; exec sleep 600"]\nrestart = "always"\n\n`;
  writeFileSync(config, toml);
  const order = (name: string) => join(dir, `${name}.order`);
  const env = (name: string) => ({
    ...process.env,
    TEND_SOCKET: socket,
    BUN_BYTECODE_ORDER_OUT: order(name),
  });
  const up = Bun.spawn([OUT, "up", "-c", config], { env: env("up"), stdio: ["ignore", "ignore", "pipe"] });
  try {
    await waitFor("the socket", () => existsSync(socket));
    const client = (name: string, argv: string[]) => {
      const r = Bun.spawnSync([OUT, ...argv], { env: env(name), stdio: ["ignore", "pipe", "pipe"] });
      if (r.exitCode !== 0)
        throw new Error(`profile run: tend ${argv.join(" ")} failed: ${r.stderr.toString()}`);
      return r.stdout.toString();
    };
    await waitFor("5 running processes", () => (client("ps", ["ps"]).match(/running/g) ?? []).length >= 5);
    client("status", ["status", "p0"]);
    client("logs", ["logs", "p0"]);
    client("down", ["down"]);
  } finally {
    up.kill("SIGKILL"); // a no-op after the down; otherwise nothing may outlive the build
    await up.exited;
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
