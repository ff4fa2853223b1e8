import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EventRecord } from "../../src/domain/types.ts";
import { findUser } from "../../src/proc/accounts.ts";
import { BUN, FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { killAll } from "../helpers/pids.ts";
import { freePort } from "../helpers/ports.ts";
import { isRoot } from "../helpers/tmpfs.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `command = ["${FIXTURES}/ready-then-sleep.sh"]`;

// Regression: an exec probe of a `user = "nobody"` process ran as root, without the process's
// env_file, with the TEND_SOCKET of the shell that started tend.
test.skipIf(!isRoot)(
  "an exec probe runs as its process: its user, env_file and cwd, this supervisor's socket",
  async () => {
    await using d = new TestDaemon("");
    const shared = join(d.dir.path, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    chmodSync(d.dir.path, 0o755);
    const envFile = join(d.dir.path, "probe.env");
    writeFileSync(envFile, "FROM_FILE=yes\n");
    const out = join(shared, "probe.out");
    const script = `id -u > ${out}; echo "$FROM_FILE $TEND_SOCKET $(pwd) $TEND_PROBE_PROCESS \${TEND_RUN:-none}" >> ${out}`;
    writeFileSync(
      d.configPath,
      `${readFileSync(d.configPath, "utf8")}
[processes.svc]
command = ["sleep", "100000"]
user = "nobody"
cwd = "${shared}"
env_file = "${envFile}"
readiness = { type = "exec", command = ["sh", "-c", ${JSON.stringify(script)}], interval = "1m" }
`,
    );
    d.upEnv = { TEND_SOCKET: "/nonexistent/shell.sock" };
    await d.start();
    await waitFor("the probe's report", () => {
      const text = readFileSync(out, "utf8");
      return text.split("\n").length >= 3 ? text : null;
    });
    const [uid, rest] = readFileSync(out, "utf8").trim().split("\n");
    expect({ uid: Number(uid), rest }).toEqual({
      uid: findUser("nobody")?.uid as number,
      rest: `yes ${d.socket} ${shared} svc none`,
    });
  },
);

// Regression: `tend stop sleeper nope` stopped sleeper, then failed on nope.
test("a multi-name verb checks every name first: one unknown name and nothing is done", async () => {
  await using d = await new TestDaemon(`[processes.sleeper]\n${SLEEPER}\n`).start();
  const before = await d.waitState("sleeper", "running");
  const r = await d.cli("stop", "sleeper", "nope");
  const after = await d.process("sleeper");
  expect({ code: r.code, stderr: r.stderr.trim(), state: after.state, pid: after.pid }).toEqual({
    code: 1,
    stderr: 'tend stop: no process named "nope"; nothing was done (see tend ps)',
    state: "running",
    pid: before.pid,
  });
});

// Regression: `tend add NAME -- ./job.sh` resolved against the supervisor's directory, failed
// ENOENT, and the CLI exited 0.
test("tend add resolves paths where it is run, and exits 1 naming why a process could not start", async () => {
  await using d = await new TestDaemon("").start();
  const here = join(d.dir.path, "work");
  mkdirSync(here);
  writeFileSync(join(here, "job.sh"), "#!/bin/sh\necho ran in $(pwd)\nexec sleep 100000\n", { mode: 0o755 });
  const ok = await d.cliIn(here, "add", "job", "--", "./job.sh");
  await waitFor("job's line", () => d.log("job").includes("ran in"));
  const bad = await d.cliIn(here, "add", "bad", "--restart", "never", "--", "./missing.sh");
  expect({
    ok: [ok.code, d.log("job").trim()],
    bad: [bad.code, bad.stderr.trim()],
  }).toEqual({
    ok: [0, `ran in ${here}`],
    bad: [
      1,
      `tend add: bad could not start: cannot start bad: processes.bad.command: ${here}/missing.sh: no such file`,
    ],
  });
});

// Regression: a relative command without cwd worked only when tend was started in the config's
// directory; a missing cwd was reported as an ENOENT of the program.
test("paths in the config are relative to its directory; a missing cwd is named", async () => {
  await using d = new TestDaemon("");
  writeFileSync(join(d.dir.path, "where.sh"), "#!/bin/sh\necho in $(pwd)\nexec sleep 100000\n", {
    mode: 0o755,
  });
  writeFileSync(
    d.configPath,
    `${readFileSync(d.configPath, "utf8")}
[processes.rel]
command = ["./where.sh"]

[processes.lost]
command = ["sleep", "1"]
cwd = "no-such-dir"
restart = "never"
`,
  );
  await d.start(); // from the test runner's directory, not the config's
  await waitFor("rel's line", () => d.log("rel").includes("in "));
  const lost = await d.waitState("lost", "failed");
  expect({ rel: d.log("rel").trim(), lost: lost.lastError }).toEqual({
    rel: `in ${d.dir.path}`,
    lost: `cannot start lost: processes.lost.cwd: cwd ${d.dir.path}/no-such-dir does not exist`,
  });
});

// Regression: `tend check` said ok for configs that cannot start on this host.
test("tend check reports what this host lacks, all at once; --schema-only checks the file alone", async () => {
  await using d = new TestDaemon(`[processes.missing_program]
command = ["no-such-program-xyz"]

[processes.missing_cwd]
command = ["sleep", "1"]
cwd = "/no/such/dir"

[processes.missing_env_file]
command = ["sleep", "1"]
env_file = "/no/such.env"

[processes.unset_var]
command = ["sleep", "\${NO_SUCH_VAR_XYZ}"]
expand_env = true

[processes.unknown_user]
command = ["sleep", "1"]
user = "no-such-user-xyz"
`);
  const env = Object.fromEntries(Object.entries(d.env).filter(([k]) => k !== "NO_SUCH_VAR_XYZ"));
  const run = (...args: string[]) =>
    Bun.spawnSync([...TEND_CMD, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const full = run("check", "-c", d.configPath, "--json");
  const schemaOnly = run("check", "-c", d.configPath, "--schema-only");
  const issues = JSON.parse(full.stdout.toString()).issues as { path: string; message: string }[];
  expect({
    code: full.exitCode,
    paths: issues.map((e) => e.path).sort(),
    schemaOnly: schemaOnly.exitCode,
  }).toEqual({
    code: 1,
    paths: [
      "processes.missing_cwd.cwd",
      "processes.missing_env_file.env_file",
      "processes.missing_program.command",
      "processes.unknown_user.user",
      "processes.unset_var.command",
    ],
    schemaOnly: 0,
  });
  // tend up refuses only on schema errors: the host problem is the process's start failure.
  await d.start();
  const user = await waitFor("unknown_user to fail its start", async () => {
    const p = await d.process("unknown_user");
    return p.lastError ? p : null;
  });
  expect(user.lastError).toContain(
    issues.find((e) => e.path === "processes.unknown_user.user")?.message as string,
  );
});

// Regression: a TCP readiness probe passed while another program held the port.
test("a TCP probe of a local port passes only if the process holds the listener; `port` is checked free", async () => {
  const port = freePort();
  const squatter = Bun.spawn([BUN, `${FIXTURES}/tcp-listener.ts`, String(port)], { stdout: "pipe" });
  try {
    await waitFor("the other program listening", async () => {
      const reader = (squatter.stdout as ReadableStream<Uint8Array>).getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      return new TextDecoder().decode(value).includes("listening");
    });
    await using d = await new TestDaemon(`[processes.impostor]
command = ["sleep", "100000"]
readiness = { type = "tcp", port = ${port}, interval = "100ms" }

[processes.proxied]
command = ["sleep", "100000"]
probe_owner_check = false
readiness = { type = "tcp", port = ${port}, interval = "100ms" }

[processes.needs_port]
command = ["sleep", "100000"]
port = ${port}
restart = "never"
`).start();
    const impostor = await waitFor("impostor's first probe", async () => {
      const p = await d.process("impostor");
      return p.lastProbe ? p : null;
    });
    const proxied = await waitFor("proxied healthy", async () => {
      const p = await d.process("proxied");
      return p.health === "healthy" ? p : null;
    });
    const needs = await d.waitState("needs_port", "failed");
    const comm = readFileSync(`/proc/${squatter.pid}/comm`, "utf8").trim();
    const holder = `port ${port} is held by pid ${squatter.pid} (${comm})`;
    expect({
      impostor: [impostor.health, impostor.lastProbe?.ok, impostor.lastProbe?.message],
      proxied: proxied.health,
      needs: [needs.lastError, needs.port],
    }).toEqual({
      impostor: ["unknown", false, `${holder}, not by this process`],
      proxied: "healthy",
      needs: [`cannot start needs_port: processes.needs_port.port: ${holder}`, port],
    });
  } finally {
    killAll([squatter.pid]);
  }
});

// Regression: `tend events --type process` (the README's example) printed nothing.
test("a type filter matches at a dot boundary, for stored events as for followed ones", async () => {
  await using d = await new TestDaemon(`[processes.svc]\n${SLEEPER}\n`).start();
  await d.waitState("svc", "running");
  const r = await d.cli("events", "--type", "process", "--json");
  const types = r.stdout
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as EventRecord).type);
  expect({ code: r.code, types }).toEqual({ code: 0, types: ["process.starting", "process.running"] });
});
