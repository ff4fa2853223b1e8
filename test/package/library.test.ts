import { expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, FIXTURES, REPO, TestDaemon } from "../helpers/daemon.ts";
import { processesWithEnv } from "../helpers/pids.ts";
import { tempDir } from "../helpers/temp.ts";

// The library as a user outside the repo gets it: `npm pack`, the tarball installed into a
// TypeScript project of its own (test/package/outside), its scripts type-checked by tsc against
// the installed types (no zod there), then run under Node.js and under Bun against a running
// `tend up`, and under Bun against startSupervisor(). Each script prints what it saw as JSON.

const TSC = join(REPO, "node_modules/.bin/tsc");
const TYPES_NODE = JSON.parse(
  readFileSync(join(REPO, "node_modules/@types/node/package.json"), "utf8"),
).version;

function run(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const r = Bun.spawnSync(cmd, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const out = { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  if (out.code !== 0) throw new Error(`${cmd.join(" ")} exited ${out.code}:\n${out.stdout}\n${out.stderr}`);
  return out;
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");

const EXPECTED = {
  added: "web",
  healthy: "healthy",
  lines: [expect.stringMatching(/^ready \d+$/)],
  crash: { type: "run.exited", reason: "crashed", process: "crasher" },
  error: { code: "PROCESS_NOT_FOUND", status: 404, message: expect.stringContaining("no-such-process") },
  seen: ["crasher crashed"],
};

test("an outside project installs the packed package, type-checks against it, and drives tend from Node.js and Bun", async () => {
  await using dir = tempDir("tend-outside-");
  const project = dir.path;
  cpSync(join(import.meta.dir, "outside"), project, { recursive: true });
  cpSync(join(REPO, "examples/library.ts"), join(project, "library.ts"));
  const packed = run(["npm", "pack", "--silent", "--pack-destination", project], REPO)
    .stdout.trim()
    .split("\n")
    .at(-1);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "outside",
      private: true,
      type: "module",
      dependencies: { tend: `file:./${packed}`, "@types/node": TYPES_NODE },
    }),
  );
  run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], project);
  // The published types stand alone: nothing of zod, and tsc accepts the scripts.
  const types = readFileSync(join(project, "node_modules/tend/dist/lib/api/surface.gen.d.ts"), "utf8");
  expect(types.includes("zod")).toBe(false);
  run([TSC, "-p", "."], project);

  // Against a running `tend up`: under Node.js (the compiled script), then under Bun (the source).
  for (const [runtime, cmd] of [
    ["node", ["node", "out/client.js"]],
    ["bun", [BUN, "client.ts"]],
  ] as const) {
    await using d = await new TestDaemon("").start();
    const out = run([...cmd], project, { ...d.env, FIXTURES });
    expect({ runtime, seen: lastJson(out.stdout) }).toEqual({ runtime, seen: EXPECTED });
  }

  // A private supervisor: started from the config object, gone with everything it ran after.
  // What it starts carries this marker in its environment, so nothing can be missed.
  const id = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const marker = `TEND_OUTSIDE_TEST=${id}`;
  try {
    const out = run([BUN, "private.ts"], project, { FIXTURES, TEND_OUTSIDE_TEST: id });
    const lines = out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([EXPECTED, { cleanedUp: true }]);
    expect(processesWithEnv(marker).map((p) => p.pid)).toEqual([]);

    // The README's example, as a user would run it in this project.
    const example = run([BUN, "library.ts"], project, { TEND_OUTSIDE_TEST: id }).stdout.trim().split("\n");
    expect(example).toEqual([
      expect.stringMatching(/^web is healthy, pid \d+$/),
      "web | listening on 8080",
      "job crashed with exit code 3",
      expect.stringMatching(/^PROCESS_NOT_FOUND: no process named "no-such-process"/),
    ]);
    expect(processesWithEnv(marker).map((p) => p.pid)).toEqual([]);
  } finally {
    for (const p of processesWithEnv(marker)) process.kill(p.pid, "SIGKILL");
  }
}, 240_000);
