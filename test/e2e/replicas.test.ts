import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReplicaSet } from "../../src/domain/shapes.ts";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

// `count` consecutive ports nothing listens on: a replicated process with `port` uses port + i.
function freePorts(count: number): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = freePort();
    if (base + count > 65_535) continue;
    try {
      const held = Array.from({ length: count - 1 }, (_, i) =>
        Bun.listen({ hostname: "127.0.0.1", port: base + 1 + i, socket: { data() {} } }),
      );
      for (const h of held) h.stop(true);
      return base;
    } catch {
      // One of them is taken: try another run of ports.
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

const webToml = (port: number, instances: number, env = "") => `
[processes.web]
command = ["${process.execPath}", "${FIXTURES}/warming-server.ts"]
instances = ${instances}
port = ${port}
env = { WARMUP = "3"${env} }
stop_timeout = "2s"
readiness = { type = "http", url = "http://127.0.0.1:${port}/ready", interval = "100ms", timeout = "500ms", failure_threshold = 10 }
`;

async function copies(d: TestDaemon, name = "web"): Promise<ProcessSnapshot[]> {
  const list = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
  return list.filter((p) => p.replicaOf === name).sort((a, b) => (a.instance ?? 0) - (b.instance ?? 0));
}

// Waits until the replicated process has exactly `n` copies, each running and healthy.
async function allHealthy(d: TestDaemon, n: number): Promise<ProcessSnapshot[]> {
  return waitFor(
    `${n} copies of web, each running and healthy`,
    async () => {
      const c = await copies(d);
      const ok = c.length === n && c.every((p) => p.state === "running" && p.health === "healthy" && p.pid);
      if (!ok)
        throw new Error(c.map((p) => `${p.name} ${p.state}/${p.health} pid ${p.pid}`).join(", ") || "none");
      return c;
    },
    { timeoutMs: 30_000 },
  );
}

// Identities (pid and start time) of live copies, taken while they live.
const idsOf = (list: ProcessSnapshot[]): ProcId[] =>
  list.map((p) => {
    const id = procId(p.pid as number);
    if (!id) throw new Error(`${p.name} (pid ${p.pid}) is not alive`);
    return id;
  });

describe("replicas", () => {
  test("instances = 3: a rolling restart keeps at least two copies serving at every sample", async () => {
    const port = freePorts(3);
    await using d = await new TestDaemon(webToml(port, 3)).start();
    const before = await allHealthy(d, 3);
    const beforeIds = idsOf(before);
    expect(before.map((p) => p.name)).toEqual(["web:0", "web:1", "web:2"]);
    // ps: the process on a line of its own, its copies indented under it; status: each copy.
    const ps = (await d.cli("ps")).stdout.split("\n");
    const head = ps.findIndex((l) => /^web\s+3\/3 running\s+3\/3 healthy/.test(l));
    expect(head, `tend ps:\n${ps.join("\n")}`).toBeGreaterThan(0);
    expect(ps.slice(head + 1, head + 4).map((l) => l.trim().split(/\s+/)[0])).toEqual([
      "web:0",
      "web:1",
      "web:2",
    ]);
    expect(ps[head + 1]?.startsWith("  web:0"), "copies indented under it").toBe(true);
    const status = await d.cli("status", "web");
    expect(status.stdout).toStartWith("web: 3 replicas");
    expect(status.stdout.match(/^name: +web:\d/gm)).toEqual([
      "name:      web:0",
      "name:      web:1",
      "name:      web:2",
    ]);

    // Requests to the three ports, one round after another, while the restart rolls.
    let rolling = true;
    const samples: number[] = [];
    const sampler = (async () => {
      while (rolling) {
        const answers = await Promise.all(
          [0, 1, 2].map((i) =>
            fetch(`http://127.0.0.1:${port + i}/`, { signal: AbortSignal.timeout(2000) })
              .then((r) => r.status)
              .catch(() => 0),
          ),
        );
        samples.push(answers.filter((s) => s === 200).length);
      }
    })();
    const restart = await d.cli("restart", "web");
    rolling = false;
    await sampler;
    expect(restart.code, `tend restart web: ${restart.stderr}`).toBe(0);
    expect(samples.length, "rounds of requests during the roll").toBeGreaterThan(3);
    expect(
      Math.min(...samples),
      `copies answering 200 per round, over ${samples.length} rounds: lowest at round ${samples.indexOf(Math.min(...samples))}`,
    ).toBeGreaterThanOrEqual(2);

    const after = await allHealthy(d, 3);
    for (const [i, p] of after.entries())
      expect(p.pid, `${p.name} to have a new pid after the roll`).not.toBe(before[i]?.pid);
    expect(beforeIds.filter(stillAlive), "every old copy stopped").toEqual([]);
  }, 60_000);

  test("a rolling restart stops at a copy that never becomes ready; the rest keep their pids", async () => {
    const port = freePorts(4);
    await using d = new TestDaemon("");
    const flag = join(d.dir.path, "never-ready");
    const env = `, NEVER_READY_FILE = "${flag}", NEVER_READY_INSTANCE = "1"`;
    d.appendConfig(webToml(port, 4, env));
    await d.start();
    const before = await allHealthy(d, 4);
    writeFileSync(flag, "");
    const restart = await d.cli("restart", "web");
    expect(restart.code).toBe(1);
    expect(restart.stderr).toContain("rolling restart of web stopped at web:1");
    expect(restart.stderr).toContain("web:2, web:3 left as they were");
    const after = await copies(d);
    expect(after.map((p) => p.pid === before[p.instance as number]?.pid)).toEqual([false, false, true, true]);
    expect(after[0]?.health, "web:0 restarted and ready").toBe("healthy");
    expect(after[1]?.health, "web:1 restarted and never ready").not.toBe("healthy");
  }, 60_000);

  test("tend scale 5 then 2: exactly that many live copies; kept over a supervisor restart; a reload with instances = 4 wins", async () => {
    const port = freePorts(5);
    await using d = new TestDaemon(webToml(port, 3));
    await d.start();
    await allHealthy(d, 3);

    const up = await d.cli("scale", "web", "5");
    expect(up.code, up.stderr).toBe(0);
    const five = await allHealthy(d, 5);
    const fiveIds = idsOf(five);
    expect(new Set(five.map((p) => p.pid)).size).toBe(5);
    expect(fiveIds.filter(stillAlive).length, "five live copies").toBe(5);

    const down = await d.cli("scale", "web", "2", "--json");
    expect(down.code, down.stderr).toBe(0);
    expect((JSON.parse(down.stdout) as ReplicaSet).replicas.map((p) => p.name)).toEqual(["web:0", "web:1"]);
    const gone = fiveIds.slice(2);
    expect(gone.filter(stillAlive), "the copies scaled away stopped as trees").toEqual([]);
    expect((await copies(d)).length).toBe(2);

    // A clean restart of the supervisor keeps the scale.
    expect((await d.cli("down")).code).toBe(0);
    await waitFor("tend up to exit", () => d.proc?.exitCode !== null);
    await d.startAgain();
    const waited = await d.cli("wait", "web", "--for", "healthy", "--timeout", "30s");
    expect(waited.code, `tend wait web: ${waited.stderr}`).toBe(0);
    expect(waited.stdout).toContain("web:0, web:1: healthy");
    await allHealthy(d, 2);

    // A reload that changes instances in the config: the config wins.
    writeFileSync(
      d.configPath,
      (await Bun.file(d.configPath).text()).replace("instances = 3", "instances = 4"),
    );
    const reload = await d.cli("reload");
    expect(reload.code, reload.stderr).toBe(0);
    await allHealthy(d, 4);

    // A verb on the name acts on every copy; on NAME:i, on that one.
    expect((await d.cli("stop", "web:3")).code).toBe(0);
    expect((await copies(d)).map((p) => p.state)).toEqual(["running", "running", "running", "stopped"]);
    expect((await d.cli("stop", "web")).code).toBe(0);
    expect((await copies(d)).every((p) => p.state === "stopped")).toBe(true);
    // In the API a replica's name is a path segment as it is, or percent-encoded.
    const plain = await d.api("GET", "/v1/processes/web:1");
    const encoded = await d.api("GET", "/v1/processes/web%3A1");
    expect([plain.status, ((await plain.json()) as ProcessSnapshot).name]).toEqual([200, "web:1"]);
    expect([encoded.status, ((await encoded.json()) as ProcessSnapshot).name]).toEqual([200, "web:1"]);
    expect(d.log("web@1"), "web:1's output in web@1.out.log").toContain(`ready ${port + 1}`);
  }, 90_000);
});
