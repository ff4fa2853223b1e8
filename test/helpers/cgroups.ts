import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findCgroupHost } from "../../src/proc/cgroup.ts";
import { stateKeyOf } from "../../src/supervisor/launcher.ts";
import { waitFor } from "./wait.ts";

// Where a test supervisor on `stateDir` keeps its run cgroups (tend as root, outside systemd), or
// null when this host has no cgroup2 mounted.
export function cgroupBaseOf(stateDir: string): string | null {
  const host = findCgroupHost();
  return host ? join(host.mount, `tend-${stateKeyOf(stateDir)}`) : null;
}

export const cgroupsUsable = (): boolean => findCgroupHost() !== null && process.getuid?.() === 0;

export function runCgroupsUnder(base: string): string[] {
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((n) => n.startsWith("run-"))
    .map((n) => join(base, n));
}

export function procsOf(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, "cgroup.procs"), "latin1").split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // the cgroup is gone: nothing lives in it
  }
}

export function eventsOf(cgroup: string): { populated: boolean; frozen: boolean } {
  const text = existsSync(cgroup) ? readFileSync(join(cgroup, "cgroup.events"), "latin1") : "";
  return { populated: /^populated 1$/m.test(text), frozen: /^frozen 1$/m.test(text) };
}

// Test clean-up: whatever is still in the run cgroups of a test supervisor (one the test killed,
// or a process that got away in a failed test) is killed through its cgroup, and the cgroups go.
export async function sweepCgroups(stateDir: string): Promise<void> {
  const base = cgroupBaseOf(stateDir);
  if (!base || !existsSync(base)) return;
  // The run cgroups, and the leaf the supervisor lived in (empty once it has exited).
  const all = readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const cg of all.map((e) => join(base, e.name))) {
    if (eventsOf(cg).populated) {
      writeFileSync(join(cg, "cgroup.freeze"), "0");
      writeFileSync(join(cg, "cgroup.kill"), "1");
      await waitFor(`${cg} to empty after cgroup.kill`, () => !eventsOf(cg).populated);
    }
    rmdirSync(cg);
  }
  rmdirSync(base);
}
