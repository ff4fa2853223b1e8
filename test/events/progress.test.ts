import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessDetail } from "../../src/domain/shapes.ts";
import type { EventRecord } from "../../src/domain/types.ts";
import { FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const status = async (d: TestDaemon, name: string): Promise<ProcessDetail> => {
  const r = await d.cli("status", name, "--json");
  if (r.code !== 0) throw new Error(`tend status exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ProcessDetail;
};

test("a task printing progress lines shows progress and a plausible ETA in tend status", async () => {
  using out = tempDir();
  const done = join(out.path, "done");
  const toml = `[processes.task]
command = ["${FIXTURES}/progress-steps.sh", "${done}"]
restart = "never"
progress_pattern = '^progress (\\d+%)$'
`;
  await using d = await new TestDaemon(toml).start();
  const mid = await waitFor("task to report 30% or more", async () => {
    const p = await status(d, "task");
    return p.progress && p.progress.fraction >= 0.3 ? p : null;
  });
  const pr = mid.progress as NonNullable<ProcessDetail["progress"]>;
  // ETA = runtime / progress × (1 − progress), from the same instant's runtime.
  expect(pr.etaMs).toBe(Math.round((pr.runtimeMs / pr.fraction) * (1 - pr.fraction)));
  expect(pr.runtimeMs).toBeGreaterThan(0);
  expect(pr.etaMs as number).toBeGreaterThan(0);
  expect(pr.etaMs as number).toBeLessThan(60_000);

  const at90 = await waitFor("task to report 90%", async () => {
    const p = await status(d, "task");
    return p.progress?.fraction === 0.9 ? p : null;
  });
  expect({ state: at90.state, message: at90.progress?.message }).toEqual({ state: "running", message: null });
  const ps = await d.cli("ps");
  expect(ps.stdout).toMatch(/task\s+running 90% eta \S+/);

  // progress.updated at most once a second: nine lines in ~2 s make at most a few events.
  const updates = await d.json<EventRecord[]>("GET", "/v1/events?process=task&type=progress.updated");
  const seconds = (at90.progress?.runtimeMs as number) / 1000;
  expect(updates.length).toBeGreaterThan(0);
  expect(updates.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);

  writeFileSync(done, "");
  const ended = await d.waitState("task", "exited");
  expect({ fraction: ended.progress?.fraction, eta: ended.progress?.etaMs }).toEqual({
    fraction: 0.9,
    eta: null,
  });
});

test("tend progress from inside a child updates it; bad input is refused and changes nothing", async () => {
  const cli = TEND_CMD.map((a) => `'${a}'`).join(" ");
  const toml = `[processes.job]
command = "${cli} progress 0.5 --message halfway && exec sleep 1000"
`;
  await using d = await new TestDaemon(toml).start();
  const p = await waitFor("job to report through tend progress", async () => {
    const s = await status(d, "job");
    return s.progress ? s : null;
  });
  expect({ fraction: p.progress?.fraction, message: p.progress?.message }).toEqual({
    fraction: 0.5,
    message: "halfway",
  });
  expect(p.progress?.etaMs).toBe(p.progress?.runtimeMs);
  const text = await d.cli("status", "job");
  expect(text.stdout).toMatch(/progress:\s+50% eta \S+ \(halfway\)/);

  for (const body of [{ progress: 1.5 }, { progress: -0.1 }, { progress: "half" }, { message: "x" }]) {
    const res = await d.api("POST", "/v1/processes/job/progress", body);
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      "BAD_REQUEST",
    ]);
  }
  const bad = await d.cli("progress", "150%", "--process", "job");
  expect(bad.code).toBe(2);
  const after = await status(d, "job");
  expect({ fraction: after.progress?.fraction, message: after.progress?.message }).toEqual({
    fraction: 0.5,
    message: "halfway",
  });
});
