import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "../errors.ts";

// Each run in a cgroup v2 of its own, where the host allows it: its members are cgroup.procs
// (nothing escapes by setsid, a double fork or a cleared environment), a stop ends with
// cgroup.kill and is complete when cgroup.events says `populated 0`, pause is cgroup.freeze.
//
// A child must be born inside: writing its pid after the spawn leaves a window in which a fast
// fork lands outside. tend moves itself into the run's cgroup, spawns synchronously, and moves
// back (spawnInside); the child inherits the cgroup from its first instruction.
export interface CgroupHost {
  mount: string; // where the cgroup2 hierarchy is mounted
  own: string; // tend's own cgroup, relative to the mount ("/" or "/system.slice/tend.service")
  // Mounted with favordynmods: a move between cgroups costs ~0.2 ms. Without it, the first move
  // after a quiet spell waits for an RCU grace period (~5 ms measured here), and every start
  // pays it. See README, "Process tracking".
  favordynmods: boolean;
}

export function findCgroupHost(
  mountinfo = readOrEmpty("/proc/self/mountinfo"),
  cgroup = readOrEmpty("/proc/self/cgroup"),
): CgroupHost | null {
  let mount: string | null = null;
  let favordynmods = false;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    const [fstype, , superOptions] = right?.split(" ") ?? [];
    if (fstype !== "cgroup2") continue;
    mount = unescapeMount(left?.split(" ")[4] ?? "");
    favordynmods = (superOptions ?? "").split(",").includes("favordynmods");
    break;
  }
  const own = /^0::(.*)$/m.exec(cgroup)?.[1] ?? null;
  return mount && own !== null ? { mount, own, favordynmods } : null;
}

export class CgroupTree {
  constructor(
    readonly base: string, // this supervisor's cgroups: run-ID under it
    readonly home: string, // where tend lives, between spawns
    readonly fastMoves = true, // the hierarchy is mounted with favordynmods
  ) {}

  runPath(runId: number): string {
    return join(this.base, `run-${runId}`);
  }

  create(path: string): void {
    mkdirSync(path, { recursive: true });
  }

  // Runs `spawn` (synchronous: nothing may run in between) with tend inside `path`, so the
  // process it starts is born there; tend is back home whatever happens.
  spawnInside<T>(path: string, spawn: () => T): T {
    writeFileSync(join(path, "cgroup.procs"), String(process.pid));
    try {
      return spawn();
    } finally {
      writeFileSync(join(this.home, "cgroup.procs"), String(process.pid));
    }
  }

  procs(path: string): number[] {
    const text = readOrEmpty(join(path, "cgroup.procs"));
    return text
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  }

  // populated (something lives in it, or below) and frozen, from cgroup.events; a cgroup that
  // is gone is empty.
  events(path: string): { populated: boolean; frozen: boolean } {
    const text = readOrEmpty(join(path, "cgroup.events"));
    return { populated: /^populated 1$/m.test(text), frozen: /^frozen 1$/m.test(text) };
  }

  // SIGKILL to every process in the cgroup and below, by the kernel, in one write.
  kill(path: string): void {
    writeFileSync(join(path, "cgroup.kill"), "1");
  }

  freeze(path: string, frozen: boolean): void {
    writeFileSync(join(path, "cgroup.freeze"), frozen ? "1" : "0");
  }

  // An empty cgroup is removed; false while something still lives in it.
  remove(path: string): boolean {
    try {
      rmdirSync(path);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "ENOENT";
    }
  }

  // memory.current where the memory controller is on; null otherwise (sum /proc instead).
  memoryBytes(path: string): number | null {
    const text = readOrEmpty(join(path, "memory.current")).trim();
    return text ? Number(text) : null;
  }

  // usage_usec from cpu.stat: CPU time of every process that was ever in the cgroup; null if unread.
  cpuUsec(path: string): number | null {
    const m = /^usage_usec (\d+)$/m.exec(readOrEmpty(join(path, "cpu.stat")));
    return m ? Number(m[1]) : null;
  }

  // The run cgroups under the base, left by this supervisor or an earlier one on the same state dir.
  runCgroups(): string[] {
    try {
      return readdirSync(this.base)
        .filter((n) => /^run-\d+$/.test(n))
        .map((n) => join(this.base, n));
    } catch {
      return []; // no base yet: no runs
    }
  }

  // At a clean shutdown: the base goes if nothing is left in it (a run cgroup that could not be
  // emptied stays, for the next supervisor's recovery to find).
  close(): boolean {
    for (const path of this.runCgroups()) if (!this.events(path).populated) this.remove(path);
    return this.remove(this.base);
  }
}

// The tree for a supervisor on `stateDir`, or why cgroups cannot be used here. Root puts its
// runs under the hierarchy's root (stable, wherever tend is started from); under systemd with
// Delegate=yes, or a delegated user subtree, they go under tend's own cgroup, and tend moves
// itself into a leaf `supervisor` first, so controllers can be enabled below (the no-internal-
// process rule). The move there and back is tried once, so a tree that is returned works.
export function openCgroupTree(
  stateKey: string,
  host: CgroupHost | null = findCgroupHost(),
  env: Record<string, string | undefined> = process.env,
): CgroupTree | { why: string } {
  if (!host) return { why: "no cgroup2 file system is mounted" };
  const ownDir = join(host.mount, host.own);
  const underService = env.INVOCATION_ID !== undefined || (process.geteuid?.() ?? 0) !== 0;
  try {
    let home = ownDir;
    let base = join(host.mount, `tend-${stateKey}`);
    if (underService && host.own !== "/") {
      home = join(ownDir, "supervisor");
      mkdirSync(home, { recursive: true });
      writeFileSync(join(home, "cgroup.procs"), String(process.pid));
      enableControllers(ownDir);
      base = join(ownDir, `tend-${stateKey}`);
    }
    mkdirSync(base, { recursive: true });
    enableControllers(base);
    const tree = new CgroupTree(base, home, host.favordynmods);
    const probe = join(base, "probe");
    mkdirSync(probe, { recursive: true });
    tree.spawnInside(probe, () => undefined);
    rmdirSync(probe);
    return tree;
  } catch (err) {
    return { why: `cgroups under ${host.mount} cannot be used: ${errorMessage(err)}` };
  }
}

// Best effort: memory (and cpu, pids) for the cgroups below, where the parent offers them.
function enableControllers(dir: string): void {
  const offered = readOrEmpty(join(dir, "cgroup.controllers")).split(/\s+/);
  for (const c of ["memory", "cpu", "pids"]) {
    if (!offered.includes(c)) continue;
    try {
      writeFileSync(join(dir, "cgroup.subtree_control"), `+${c}`);
    } catch {
      // Refused (processes in `dir`, or not delegated): memory is then summed from /proc.
    }
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return ""; // gone, or not there on this kernel: nothing to read
  }
}

// /proc/self/mountinfo writes spaces and the like in paths as octal escapes.
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

export const cgroupExists = (path: string): boolean => existsSync(path);
