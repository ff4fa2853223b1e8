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
    readonly home: string, // the leaf tend lives in between spawns, one it made itself
    readonly fastMoves = true, // the hierarchy is mounted with favordynmods
    readonly origin: string | null = null, // where tend was before it moved home (back at close)
  ) {}

  runPath(runId: number): string {
    return join(this.base, `run-${runId}`);
  }

  // A run's cgroup, new. One left by an earlier run of the same id (its record never reached
  // the store) is taken over only if it is empty: two runs never share a cgroup.
  create(path: string): void {
    try {
      mkdirSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (cgroupEvents(path).populated)
        throw new Error(`${path} already holds processes of an earlier run; the next tend up stops them`);
    }
  }

  // Runs `spawn` (synchronous: nothing may run in between) with tend inside `path`, so the
  // process it starts is born there, then moves tend back to its leaf. If tend cannot leave,
  // the child is killed and the start fails: tend must never share a run's cgroup (a stop would
  // cgroup.kill it).
  spawnInside<T extends { pid: number } | undefined>(path: string, spawn: () => T): T {
    writeFileSync(join(path, "cgroup.procs"), String(process.pid));
    let child: T | undefined;
    try {
      child = spawn();
    } finally {
      const stuck = this.moveHome();
      if (stuck) {
        if (child) killQuietly(child.pid);
        // biome-ignore lint/correctness/noUnsafeFinally: the failure to leave outranks the spawn's own.
        throw new Error(`tend could not move out of ${path}: ${stuck}`);
      }
    }
    return child as T;
  }

  // tend back in its leaf; null, or why it could not (it then tries the leaf again, made anew).
  private moveHome(): string | null {
    try {
      writeFileSync(join(this.home, "cgroup.procs"), String(process.pid));
      return null;
    } catch (first) {
      try {
        mkdirSync(this.home, { recursive: true });
        writeFileSync(join(this.home, "cgroup.procs"), String(process.pid));
        return null;
      } catch {
        return errorMessage(first);
      }
    }
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

  // At a clean shutdown: tend goes back where it came from, and the base goes if nothing is left
  // in it (a run cgroup that could not be emptied stays, for the next supervisor's recovery).
  // null, or what is left and why.
  close(): string | null {
    for (const path of this.runCgroups()) if (!cgroupEvents(path).populated) removeCgroup(path);
    if (this.origin) {
      try {
        writeFileSync(join(this.origin, "cgroup.procs"), String(process.pid));
      } catch (err) {
        return `tend could not move back to ${this.origin}: ${errorMessage(err)}`;
      }
    }
    return removeCgroup(this.base);
  }
}

// What a cgroup is, read and changed by path (any run's, this supervisor's or an earlier one's).

// The processes in the cgroup and in any cgroup below it (a run may make its own), tend aside.
export function cgroupProcs(path: string): number[] {
  const out: number[] = [];
  for (const line of readOrEmpty(join(path, "cgroup.procs")).split("\n")) {
    const pid = Number(line);
    if (line && pid !== process.pid) out.push(pid);
  }
  for (const sub of subdirs(path)) out.push(...cgroupProcs(join(path, sub)));
  return out;
}

// Whether tend itself is in the cgroup (or below): then it must not be killed through it.
export function holdsSelf(path: string): boolean {
  const host = findCgroupHost();
  if (!host) return false;
  const own = join(host.mount, host.own);
  return own === path || own.startsWith(`${path}/`);
}

// populated (something lives in it, or below) and frozen, from cgroup.events; a cgroup that
// is gone is empty.
export function cgroupEvents(path: string): { populated: boolean; frozen: boolean } {
  const text = readOrEmpty(join(path, "cgroup.events"));
  return { populated: /^populated 1$/m.test(text), frozen: /^frozen 1$/m.test(text) };
}

// SIGKILL to every process in the cgroup and below, by the kernel, in one write.
export function killCgroup(path: string): void {
  writeFileSync(join(path, "cgroup.kill"), "1");
}

export function freezeCgroup(path: string, frozen: boolean): void {
  writeFileSync(join(path, "cgroup.freeze"), frozen ? "1" : "0");
}

// An empty cgroup is removed, with any empty cgroups the run made below it; null, or why not.
// rmdir is tried first: a cgroup with none below it (nearly every run's) goes without a listing.
export function removeCgroup(path: string): string | null {
  const first = rmdirOrError(path);
  if (first === null || !busy(first))
    return first === null ? null : `removing ${path}: ${errorMessage(first)}`;
  for (const sub of subdirs(path)) {
    const why = removeCgroup(join(path, sub));
    if (why) return why;
  }
  const again = rmdirOrError(path);
  return again === null ? null : `removing ${path}: ${errorMessage(again)}`;
}

// null once `path` is gone (ENOENT: it was already), else rmdir's error.
function rmdirOrError(path: string): NodeJS.ErrnoException | null {
  try {
    rmdirSync(path);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === "ENOENT" ? null : e;
  }
}

// Cgroups below it, or processes in it.
const busy = (e: NodeJS.ErrnoException): boolean => e.code === "EBUSY" || e.code === "ENOTEMPTY";

// memory.current where the memory controller is on; null otherwise (sum /proc instead).
export function cgroupMemoryBytes(path: string): number | null {
  const text = readOrEmpty(join(path, "memory.current")).trim();
  return text ? Number(text) : null;
}

// usage_usec from cpu.stat: CPU time of every process that was ever in the cgroup; null if unread.
export function cgroupCpuUsec(path: string): number | null {
  const m = /^usage_usec (\d+)$/m.exec(readOrEmpty(join(path, "cpu.stat")));
  return m ? Number(m[1]) : null;
}

function subdirs(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return []; // the cgroup is gone: nothing below it
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // ESRCH: it is gone already, which is what was wanted.
  }
}

// The tree for a supervisor on `stateDir`, or why cgroups cannot be used here. As root outside
// systemd the runs go under the hierarchy's root, in `tend-KEY` (stable, wherever tend is
// started from), and tend lives in `tend-KEY/supervisor` between spawns: a leaf of its own that
// nothing else removes (it goes back where it came from at a clean shutdown). Under systemd
// with Delegate=yes, or in a delegated user subtree, they go under tend's own cgroup, and tend
// moves itself into a leaf `supervisor` there first, so controllers can be enabled below (the
// no-internal-process rule). A kernel without cgroup.kill (before Linux 5.14) cannot stop a run
// whole: the fallback is used. The move there and back is tried once, so a returned tree works.
export function openCgroupTree(
  stateKey: string,
  host: CgroupHost | null = findCgroupHost(),
  env: Record<string, string | undefined> = process.env,
): CgroupTree | { why: string } {
  if (!host) return { why: "no cgroup2 file system is mounted" };
  const ownDir = join(host.mount, host.own);
  const underService = env.INVOCATION_ID !== undefined || (process.geteuid?.() ?? 0) !== 0;
  const delegated = underService && host.own !== "/";
  const base = delegated ? join(ownDir, `tend-${stateKey}`) : join(host.mount, `tend-${stateKey}`);
  const home = delegated ? join(ownDir, "supervisor") : join(base, "supervisor");
  let moved = false;
  try {
    mkdirSync(home, { recursive: true });
    mkdirSync(base, { recursive: true });
    for (const file of ["cgroup.kill", "cgroup.freeze", "cgroup.events"])
      if (!existsSync(join(base, file)))
        return { why: `this kernel's cgroup2 has no ${file} (Linux 5.14 or later has it)` };
    writeFileSync(join(home, "cgroup.procs"), String(process.pid));
    moved = true;
    if (delegated) enableControllers(ownDir);
    enableControllers(base);
    const tree = new CgroupTree(base, home, host.favordynmods, delegated ? null : ownDir);
    const probe = join(base, "probe");
    mkdirSync(probe, { recursive: true });
    tree.spawnInside(probe, () => undefined);
    rmdirSync(probe);
    return tree;
  } catch (err) {
    let why = `cgroups under ${host.mount} cannot be used: ${errorMessage(err)}`;
    // Back where tend was, so a failed trial leaves it in none of the cgroups it made.
    if (moved)
      try {
        writeFileSync(join(ownDir, "cgroup.procs"), String(process.pid));
      } catch (back) {
        why += `; and tend could not move back to ${ownDir}: ${errorMessage(back)}`;
      }
    return { why };
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
