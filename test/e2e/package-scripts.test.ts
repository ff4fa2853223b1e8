import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// script = "start": package.json's script run the way the directory's package manager would,
// by tend itself: no npm, yarn, pnpm or bun process between tend and the program.
const LOCKFILES: [string, string, string][] = [
  ["bun (bun.lock)", "bun.lock", "{}\n"],
  ["bun (bun.lockb)", "bun.lockb", ""],
  ["pnpm", "pnpm-lock.yaml", "lockfileVersion: '9.0'\n"],
  ["yarn classic", "yarn.lock", "# yarn lockfile v1\n"],
  ["yarn berry", "yarn.lock", "__metadata:\n  version: 8\n"],
  ["npm", "package-lock.json", '{ "lockfileVersion": 3 }\n'],
];

const PACKAGE_MANAGER = /(^|\/)(npm|npx|yarn|yarnpkg|pnpm|bun|corepack)(\s|$)|npm-cli|yarn\.js|pnpm\.c?js/;

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return ""; // gone since it was listed
  }
}

describe('script = "start"', () => {
  test.each(LOCKFILES)(
    "%s: no package manager in the run's tree, and exactly one SIGTERM on tend stop",
    async (_what, lockfile, content) => {
      const d = new TestDaemon("");
      await using _d = d;
      const app = join(d.dir.path, "app");
      mkdirSync(app);
      const termLog = join(d.dir.path, "term.log");
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({
          name: "app",
          version: "1.2.3",
          scripts: {
            prestart: `echo pre >> ${join(d.dir.path, "hooks.log")}`,
            start: `${FIXTURES}/count-term.sh`,
          },
        }),
      );
      writeFileSync(join(app, lockfile), content);
      d.appendConfig(`
[processes.app]
script = "start"
cwd = "${app}"
env = { TERM_LOG = "${termLog}" }
stop_timeout = "500ms"
`);
      await d.start();
      await d.waitState("app", "running");
      const tree = await waitFor("the program in the run's tree", () => {
        const lines = d.processPids("app").map(cmdline).filter(Boolean);
        return lines.some((l) => l.includes("count-term.sh")) ? lines : null;
      });
      const status = await d.process("app");
      const stop = await d.cli("stop", "app");
      const [run] = await d.history("app");
      const hooks = (() => {
        try {
          return readFileSync(join(d.dir.path, "hooks.log"), "utf8");
        } catch {
          return "";
        }
      })();
      expect({
        managers: tree.filter((l) => PACKAGE_MANAGER.test(l)),
        stop: stop.code,
        terms: readFileSync(termLog, "utf8"),
        // With a prestart hook an outer sh leads (SIGTERM ends it); alone, the program leads and
        // ignores SIGTERM, so SIGKILL ends it after stop_timeout.
        leaderEnded: run?.signal,
        prestart: hooks,
        command: status.command,
      }).toEqual({
        managers: [],
        stop: 0,
        terms: "TERM\n",
        leaderEnded: _what === "yarn berry" ? "SIGKILL" : "SIGTERM",
        // Yarn 2+ runs no pre/post scripts; the others do.
        prestart: _what === "yarn berry" ? "" : "pre\n",
        command: [],
      });
    },
  );

  test("a script that is one plain command is the run's leader; npm's variables are set", async () => {
    const d = new TestDaemon("");
    await using _d = d;
    const app = join(d.dir.path, "app");
    mkdirSync(join(app, "node_modules", ".bin"), { recursive: true });
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app", version: "2.0.0", scripts: { serve: "server --fast" } }),
    );
    writeFileSync(join(app, "package-lock.json"), "{}\n");
    writeFileSync(
      join(app, "node_modules", ".bin", "server"),
      `#!/bin/sh\nexec ${FIXTURES}/ready-then-sleep.sh "$@"\n`,
      { mode: 0o755 },
    );
    d.appendConfig(`
[processes.app]
script = "serve"
cwd = "${app}"
`);
    await d.start();
    const running = await d.waitState("app", "running");
    // Running is when the leader was spawned; the chain of execs may still be on its way to sleep.
    await waitFor(
      "the fixture to have exec'd sleep",
      () => cmdline(running.pid as number) === "sleep 1000000",
    );
    const environ = Object.fromEntries(
      readFileSync(`/proc/${running.pid}/environ`, "utf8")
        .split("\0")
        .filter(Boolean)
        .map((kv) => kv.split(/=(.*)/s).slice(0, 2)),
    );
    expect({
      // sh exec'd the script, which exec'd the fixture, which exec'd sleep: one process, no sh.
      leader: cmdline(running.pid as number),
      members: d.processPids("app").length,
      event: environ.npm_lifecycle_event,
      name: environ.npm_package_name,
      version: environ.npm_package_version,
      path: environ.PATH?.split(":")[0],
    }).toEqual({
      leader: "sleep 1000000",
      members: 1,
      event: "serve",
      name: "app",
      version: "2.0.0",
      path: join(app, "node_modules", ".bin"),
    });
  });

  test("a missing script fails the start naming the scripts there are; tend check says so too", async () => {
    const d = new TestDaemon("");
    await using _d = d;
    const app = join(d.dir.path, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ scripts: { build: "tsc", test: "bun test" } }));
    d.appendConfig(`
[processes.app]
script = "start"
cwd = "${app}"
restart = "never"
`);
    const check = await d.cli("check", "-c", d.configPath);
    await d.start();
    const failed = await d.waitState("app", "failed");
    expect({
      check: [
        check.code,
        check.stderr.includes(
          `processes.app.script: package.json in ${app} has no script "start"; it has: build, test`,
        ),
      ],
      error: failed.lastError,
    }).toEqual({
      check: [1, true],
      error: `cannot start app: processes.app.script: package.json in ${app} has no script "start"; it has: build, test`,
    });
  });
});
