import { expect, test } from "bun:test";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import type { EventRecord, ProcessSnapshot, RunRecord } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";

const TWO = `[processes.sleeper]
command = ["${FIXTURES}/ready-then-sleep.sh"]

[processes.idle]
command = ["${FIXTURES}/ready-then-sleep.sh"]
autostart = false
`;

test("a refused action exits 1 and says why", async () => {
  await using d = await new TestDaemon(TWO).start();
  await d.waitState("sleeper", "running");
  const cases = {
    "pause a stopped process": await d.cli("pause", "idle"),
    "resume a running process": await d.cli("resume", "sleeper"),
    "stop an unknown process": await d.cli("stop", "nosuch"),
    "signal a stopped process": await d.cli("signal", "idle", "SIGHUP"),
  };
  const codes = Object.fromEntries(Object.entries(cases).map(([k, r]) => [k, r.code]));
  expect(codes).toEqual({
    "pause a stopped process": 1,
    "resume a running process": 1,
    "stop an unknown process": 1,
    "signal a stopped process": 1,
  });
  expect(cases["pause a stopped process"].stderr).toContain("cannot pause idle: it is stopped");
  expect(cases["stop an unknown process"].stderr).toContain('no process named "nosuch"');
  // A refused action changes nothing.
  expect((await d.process("idle")).state).toBe("stopped");
  expect((await d.process("sleeper")).state).toBe("running");
});

test("usage errors exit 2 and point at help", async () => {
  await using d = await new TestDaemon(TWO).start();
  const cases: Record<string, string[]> = {
    "unknown verb": ["frobnicate"],
    "unknown flag": ["ps", "--frobnicate"],
    "extra argument": ["history", "api", "extra"],
    "missing name": ["history"],
    "signal without a signal": ["signal", "sleeper"],
    "stop with neither names nor --all": ["stop"],
  };
  const seen: Record<string, { code: number; help: boolean }> = {};
  for (const [what, argv] of Object.entries(cases)) {
    const r = await d.cli(...argv);
    seen[what] = { code: r.code, help: r.stderr.includes("tend help") };
  }
  expect(seen).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, { code: 2, help: true }])));
});

test("a supervisor that is not running exits 3 with the socket path in the message", async () => {
  await using d = new TestDaemon(TWO); // never started
  for (const argv of [["ps"], ["status", "sleeper"], ["stop", "sleeper"], ["down"]]) {
    const r = await d.cli(...argv);
    expect({ argv, code: r.code, namesSocket: r.stderr.includes(d.socket) }).toEqual({
      argv,
      code: 3,
      namesSocket: true,
    });
  }
});

test("tend ps prints a table with name, state, health, pid, uptime, restarts, cpu, mem", async () => {
  await using d = await new TestDaemon(TWO).start();
  const { pid } = await d.waitState("sleeper", "running");
  const r = await d.cli("ps");
  expect(r.code, r.stderr).toBe(0);
  const [header = "", ...lines] = r.stdout.trimEnd().split("\n");
  const columns = header.split(/\s+/);
  expect(columns).toEqual(["NAME", "STATE", "HEALTH", "PID", "UPTIME", "RESTARTS", "CPU", "MEM"]);
  // Cells are aligned under their headers.
  const starts = columns.map((c) => header.indexOf(c));
  const rows = lines.map((l) =>
    Object.fromEntries(columns.map((c, i) => [c, l.slice(starts[i], starts[i + 1]).trim()])),
  );
  expect(rows.map(({ UPTIME, CPU, MEM, ...rest }) => rest)).toEqual([
    { NAME: "sleeper", STATE: "running", HEALTH: "healthy", PID: String(pid), RESTARTS: "0" },
    { NAME: "idle", STATE: "stopped", HEALTH: "unknown", PID: "-", RESTARTS: "0" },
  ]);
  expect(rows.map((row) => row.UPTIME)).toEqual([expect.stringMatching(/^\d+(ms|s)$/), "-"]);
});

test("--json output of ps, status, history and events parses as JSON", async () => {
  await using d = await new TestDaemon(TWO).start();
  const { pid } = await d.waitState("sleeper", "running");
  const run = async (...argv: string[]) => {
    const r = await d.cli(...argv);
    if (r.code !== 0) throw new Error(`tend ${argv.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  const ps = JSON.parse(await run("ps", "--json")) as ProcessSnapshot[];
  expect(ps.map((p) => [p.name, p.state, p.pid])).toEqual([
    ["sleeper", "running", pid],
    ["idle", "stopped", null],
  ]);
  const status = JSON.parse(await run("status", "sleeper", "--json")) as ProcessDetail;
  expect({ name: status.name, pid: status.pid, runs: status.runs.length }).toEqual({
    name: "sleeper",
    pid,
    runs: 1,
  });
  const history = JSON.parse(await run("history", "sleeper", "--json")) as RunRecord[];
  expect(history.map((r) => [r.process, r.pid, r.reason])).toEqual([["sleeper", pid as number, null]]);
  // events --json prints one JSON object per line (JSON Lines), the same shape -f streams.
  const lines = (await run("events", "--json")).trimEnd().split("\n");
  const events = lines.map((l) => JSON.parse(l) as EventRecord);
  expect(events.some((e) => e.process === "sleeper" && e.type === "process.running")).toBe(true);
});
