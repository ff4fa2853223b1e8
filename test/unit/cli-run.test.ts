import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/cli/run.ts";
import { VERSION } from "../../src/version.ts";
import { recordingIo } from "../helpers/recording-io.ts";
import { tempDir } from "../helpers/temp.ts";

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const io = recordingIo(env);
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("usage errors exit 2 and say why on stderr", () => {
  test.each([
    ["an unknown verb", ["frobnicate"], 'tend: unknown command "frobnicate"'],
    ["an unknown flag", ["ps", "--bogus"], "tend ps: unknown option --bogus"],
    ["an unknown short flag", ["stop", "-x", "api"], "tend stop: unknown option -x"],
    ["start with neither names nor --all", ["start"], "tend start needs process names or --all (not both)"],
    [
      "stop with both names and --all",
      ["stop", "api", "--all"],
      "tend stop needs process names or --all (not both)",
    ],
    ["restart with neither", ["restart"], "tend restart needs process names or --all (not both)"],
    [
      "ps with a bad --sort",
      ["ps", "--sort", "colour"],
      "--sort colour: use name, state, pid, cpu, mem, uptime, restarts",
    ],
    ["signal without a signal", ["signal", "api"], "tend signal takes a process name and a signal"],
    ["add without a command", ["add", "job"], "tend add needs a command after --"],
    [
      "add with a bad --env",
      ["add", "job", "--env", "NOEQUALS", "--", "true"],
      "--env NOEQUALS: expected KEY=VALUE",
    ],
    [
      "add with a bad --max-restarts",
      ["add", "job", "--max-restarts", "x", "--", "true"],
      "--max-restarts x: expected a whole number",
    ],
    ["history with a bad -n", ["history", "api", "-n", "ten"], "-n ten: expected a whole number"],
    ["up with a bad --log-format", ["up", "--log-format", "xml"], "--log-format xml: use text or json"],
    ["a value flag without its value", ["ps", "--socket"], "tend ps: --socket needs a value"],
  ])("%s", async (_what, argv, message) => {
    const r = await cli(argv);
    expect({ code: r.code, stdout: r.stdout, firstLine: r.stderr.split("\n")[0] }).toEqual({
      code: 2,
      stdout: "",
      firstLine: message,
    });
  });

  test("no verb at all prints the overview and exits 2", async () => {
    const r = await cli([]);
    expect({ code: r.code, overview: r.stdout.startsWith(`tend ${VERSION}:`) }).toEqual({
      code: 2,
      overview: true,
    });
  });

  // `tend help frobnicate` is as much a usage error as `tend frobnicate`.
  test("help for an unknown verb exits 2 on stderr", async () => {
    const r = await cli(["help", "frobnicate"]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: expect.stringContaining('unknown command "frobnicate"'),
    });
  });
});

describe("help and version exit 0", () => {
  test.each([
    [["help"], "usage: tend VERB [options]"],
    [["--help"], "usage: tend VERB [options]"],
    [["-h"], "usage: tend VERB [options]"],
    [["help", "ps"], "usage: tend ps [NAME…] [--sort name|state|pid|cpu|mem|uptime|restarts] [--json]"],
    [["ps", "--help"], "usage: tend ps [NAME…] [--sort name|state|pid|cpu|mem|uptime|restarts] [--json]"],
    [["start", "-h"], "usage: tend start NAME… | --all [--json]"],
  ])("%j", async (argv, line) => {
    const r = await cli(argv);
    expect({ code: r.code, hasLine: r.stdout.split("\n").includes(line), stderr: r.stderr }).toEqual({
      code: 0,
      hasLine: true,
      stderr: "",
    });
  });

  test("the overview lists every verb", async () => {
    const r = await cli(["help"]);
    const verbs = r.stdout
      .split("\n")
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(verbs).toEqual(
      expect.arrayContaining([
        "up",
        "check",
        "ps",
        "status",
        "start",
        "stop",
        "restart",
        "signal",
        "add",
        "rm",
        "reload",
        "down",
        "schema",
      ]),
    );
  });

  test.each([["--version"], ["-V"], ["version"]])("%s", async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: `tend ${VERSION}\n`, stderr: "" });
  });
});

describe("an unreachable supervisor exits 3 naming the socket", () => {
  test.each([
    ["ps via --socket", (sock: string) => ["ps", "--socket", sock]],
    ["status via --socket", (sock: string) => ["status", "api", "--socket", sock]],
    ["stop --all via --socket", (sock: string) => ["stop", "--all", "--socket", sock]],
    ["start NAME via --socket", (sock: string) => ["start", "api", "web", "--socket", sock]],
    ["down via --socket", (sock: string) => ["down", "--socket", sock]],
  ])("%s", async (_what, argv) => {
    using dir = tempDir();
    const sock = join(dir.path, "missing", "tend.sock");
    const r = await cli(argv(sock));
    expect({ code: r.code, stdout: r.stdout, named: r.stderr.includes(sock) }).toEqual({
      code: 3,
      stdout: "",
      named: true,
    });
  });

  test("the socket comes from $TEND_SOCKET", async () => {
    using dir = tempDir();
    const sock = join(dir.path, "env.sock");
    const r = await cli(["ps"], { TEND_SOCKET: sock });
    expect({ code: r.code, named: r.stderr.includes(sock) }).toEqual({ code: 3, named: true });
  });

  test("the socket comes from -c FILE's [supervisor] socket, resolved against the file", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, '[supervisor]\nsocket = "run/tend.sock"\n');
    const r = await cli(["ps", "-c", file], { TEND_SOCKET: "/elsewhere.sock" });
    expect({ code: r.code, named: r.stderr.includes(join(dir.path, "run/tend.sock")) }).toEqual({
      code: 3,
      named: true,
    });
  });

  test("a client verb with a broken -c FILE exits 1 naming the file", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, "[supervisor]\nbogus = 1\n");
    const r = await cli(["ps", "-c", file]);
    expect({ code: r.code, named: r.stderr.includes(file) && r.stderr.includes("supervisor.bogus") }).toEqual(
      {
        code: 1,
        named: true,
      },
    );
  });
});
