import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import type { EventRecord, ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;

async function watchEvents(d: TestDaemon, name: string): Promise<EventRecord[]> {
  const all = await d.json<EventRecord[]>("GET", `/v1/events?process=${name}&type=watch&events=1000`);
  return all.filter((e) => e.type === "watch.changed");
}

// A supervisor whose processes run in DIR/app, made here with `files` in it before tend starts.
async function daemonWithApp(toml: (app: string) => string, files: Record<string, string> = {}) {
  const d = new TestDaemon("");
  const app = join(d.dir.path, "app");
  mkdirSync(app);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  d.appendConfig(toml(app));
  await d.start();
  return { d, app };
}

describe("watch", () => {
  test("ten quick edits of a watched file restart every copy once, rolling; status names the file", async () => {
    const { d, app } = await daemonWithApp(
      (app) => `
[processes.web]
command = ["${SLEEPER}"]
cwd = "${app}"
instances = 2
watch = ["src/**/*.ts"]
watch_ignore = ["src/generated/**"]
watch_debounce = "2s"
`,
      { "src/main.ts": "1", "src/lib/util.ts": "0", "node_modules/dep/package.json": "{}" },
    );
    await using _d = d;
    const copies = async () =>
      (await d.json<ProcessSnapshot[]>("GET", "/v1/processes")).filter((p) => p.replicaOf === "web");
    const first = await waitFor("both copies running", async () => {
      const c = await copies();
      return c.length === 2 && c.every((p) => p.state === "running" && p.pid) ? c.map((p) => p.pid) : null;
    });
    // Not watched: another extension, node_modules, an ignored directory.
    mkdirSync(join(app, "src", "generated"));
    writeFileSync(join(app, "src", "notes.md"), "x");
    writeFileSync(join(app, "node_modules", "dep", "index.ts"), "x");
    writeFileSync(join(app, "src", "generated", "api.ts"), "x");
    // Ten edits, alternating between two files so that each is an inotify event of its own
    // (the kernel merges an event identical to the one queued before it), all within the
    // debounce of the first.
    for (let i = 0; i < 10; i++)
      writeFileSync(join(app, "src", "lib", i % 2 ? "helpers.ts" : "util.ts"), String(i));
    const second = await waitFor("both copies restarted", async () => {
      const c = await copies();
      const pids = c.map((p) => p.pid);
      return c.every((p) => p.state === "running") && pids.every((p, i) => p !== null && p !== first[i])
        ? pids
        : null;
    });
    // A later edit: the events up to it show what the ten edits caused.
    writeFileSync(join(app, "src", "main.ts"), "2");
    const changes = await waitFor("the second change", async () => {
      const e = await watchEvents(d, "web");
      return e.length >= 2 ? e : null;
    });
    const status = await d.process<ProcessDetail>("web:0");
    const statusText = await d.cli("status", "web:1");
    expect({
      restarted: second.length,
      changes: changes.map((e) => e.details),
      lastChange: status.triggers?.watch?.lastChange?.file,
      statusLine: statusText.stdout
        .split("\n")
        .find((l) => l.startsWith("watch:"))
        ?.split("; ")[1]
        ?.split(" at ")[0],
    }).toEqual({
      restarted: 2,
      changes: [
        { file: "src/lib/helpers.ts", restarted: true },
        { file: "src/main.ts", restarted: true },
      ],
      lastChange: "src/main.ts",
      statusLine: "last restart by src/main.ts",
    });
  });

  test("a change during an operator's stop, or to a copy the operator stopped, starts nothing", async () => {
    const { d, app } = await daemonWithApp(
      (app) => `
[processes.slow]
command = ["${FIXTURES}/ignore-sigterm.sh"]
cwd = "${app}"
watch = ["*.js"]
watch_debounce = "50ms"
stop_timeout = "3s"

[processes.web]
command = ["${SLEEPER}"]
cwd = "${app}"
instances = 2
watch = ["*.css"]
watch_debounce = "50ms"
`,
    );
    await using _d = d;
    await d.waitState("slow", "running");
    await d.waitState("web:1", "running");
    const web0 = (await d.waitState("web:0", "running")).pid;
    await d.cli("stop", "web:1");
    const stopping = d.json("POST", "/v1/processes/slow/stop");
    await d.waitState("slow", "stopping");
    writeFileSync(join(app, "server.js"), "x");
    writeFileSync(join(app, "site.css"), "x");
    const seen = await waitFor("both changes seen", async () => {
      const slow = await watchEvents(d, "slow");
      const web = await watchEvents(d, "web");
      return slow.length && web.length ? { slow: slow[0]?.details, web: web[0]?.details } : null;
    });
    await stopping;
    const web0After = await waitFor("web:0 restarted", async () => {
      const p = await d.process("web:0");
      return p.state === "running" && p.pid !== web0 ? p.pid : null;
    });
    expect({
      seen,
      slow: (await d.process("slow")).state,
      web1: (await d.process("web:1")).state,
      web0Restarted: web0After !== web0,
      slowRuns: (await d.history("slow")).length,
    }).toEqual({
      seen: { slow: { file: "server.js", restarted: false }, web: { file: "site.css", restarted: true } },
      slow: "stopped",
      web1: "stopped",
      web0Restarted: true,
      slowRuns: 1,
    });
  });

  test("a change does not start a process the operator stopped", async () => {
    const { d, app } = await daemonWithApp(
      (app) => `
[processes.api]
command = ["${SLEEPER}"]
cwd = "${app}"
watch = ["*.js"]
watch_debounce = "50ms"
`,
    );
    await using _d = d;
    await d.waitState("api", "running");
    await d.cli("stop", "api");
    writeFileSync(join(app, "server.js"), "x");
    const [change] = await waitFor("the change to be seen", async () => {
      const e = await watchEvents(d, "api");
      return e.length ? e : null;
    });
    expect({ change: change?.details, state: (await d.process("api")).state }).toEqual({
      change: { file: "server.js", restarted: false },
      state: "stopped",
    });
  });

  test("a change restarts a crash-looping process out of its backoff at once", async () => {
    const { d, app } = await daemonWithApp(
      (app) => `
[processes.api]
command = ["${FIXTURES}/exit-with.sh", "3"]
cwd = "${app}"
watch = ["*.js"]
watch_debounce = "50ms"
backoff = { initial = "1h", jitter = 0 }
`,
    );
    await using _d = d;
    const waiting = await d.waitState("api", "backoff");
    writeFileSync(join(app, "server.js"), "fixed");
    const runs = await waitFor("a second run before the hour of backoff is over", async () => {
      const h = await d.history("api");
      return h.length >= 2 ? h : null;
    });
    expect({ waited: waiting.nextStartInMs !== null, runs: runs.length, reason: runs[1]?.reason }).toEqual({
      waited: true,
      runs: 2,
      reason: "crashed",
    });
  });
});
