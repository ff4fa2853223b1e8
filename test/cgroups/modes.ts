import { existsSync, readFileSync } from "node:fs";
import type { ProcessDetail, SupervisorInfo } from "../../src/domain/shapes.ts";
import { cgroupsUsable } from "../helpers/cgroups.ts";
import type { TestDaemon } from "../helpers/daemon.ts";
import { killAll } from "../helpers/pids.ts";
import { type ProcId, procId, stillAlive } from "../helpers/proc-stat.ts";
import { waitFor } from "../helpers/wait.ts";

// The two ways tend tells a run's processes apart. Each test in this directory runs in both: what
// the fallback cannot do is asserted as its limit (README, "Process tracking").
const ALL_MODES = [
  { mode: "cgroup", supervisor: "" },
  { mode: "tree", supervisor: 'cgroups = "off"' },
] as const;
export type Mode = (typeof ALL_MODES)[number]["mode"];
// TEND_TEST_MODES=cgroup runs one mode only (.ci/run does so for the compiled binary, whose
// fallback is the same code the source run has tested).
const only = process.env.TEND_TEST_MODES?.split(",");
export const MODES = ALL_MODES.filter((m) => !only || only.includes(m.mode));

// cgroup mode needs a cgroup2 hierarchy and root: without them the test fails saying so, rather
// than passing without having tested anything.
export function requireCgroups(mode: Mode): void {
  if (mode === "cgroup" && !cgroupsUsable())
    throw new Error(
      "cgroup mode needs root and a mounted cgroup2 hierarchy (.ci/run mounts one: " +
        "mount -t cgroup2 none /sys/fs/cgroup/unified)",
    );
}

// The supervisor says which mode is in force; a test in one mode must not run in the other.
export async function expectMode(d: TestDaemon, mode: Mode): Promise<void> {
  const info = await d.json<SupervisorInfo>("GET", "/v1/health");
  const ok =
    mode === "cgroup" ? info.tracking.startsWith("cgroups under") : info.tracking.startsWith("process tree");
  if (!ok) throw new Error(`expected ${mode} tracking, the supervisor says: ${info.tracking}`);
}

// The cgroup of a process's current run ("cgroup PATH" in tend status).
export async function runCgroup(d: TestDaemon, name: string): Promise<string> {
  const p = await d.process<ProcessDetail>(name);
  const m = /^cgroup (.+)$/.exec(p.tracking);
  if (!m) throw new Error(`${name}: expected a run cgroup, status says tracking: ${p.tracking}`);
  return m[1] as string;
}

// The pid a fixture wrote to `file`, as a process identity (pid and start time).
export async function pidFrom(file: string): Promise<ProcId> {
  return waitFor(`a pid in ${file}`, () => {
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, "latin1").trim().split("\n")[0]);
    return pid > 0 ? procId(pid) : null;
  });
}

// Processes that got away (the fallback's limits) are ended by pid, as the test found them.
export function killEscaped(ids: ProcId[]): void {
  killAll(ids.filter(stillAlive).map((p) => p.pid));
}

export const lineCount = (file: string): number =>
  existsSync(file) ? readFileSync(file, "latin1").split("\n").filter(Boolean).length : 0;
