import { readdirSync, readFileSync } from "node:fs";

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function parseEnviron(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of text.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

// Every live process whose environment carries all of `markers` (e.g. "TEND_TEST_ID=abc"), with
// that environment as read in the same pass (a second read could find the process gone).
export function processesWithEnv(...markers: string[]): { pid: number; env: Map<string, string> }[] {
  const out: { pid: number; env: Map<string, string> }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const text = readFileSync(`/proc/${pid}/environ`, "latin1");
      const has = (m: string) => text.startsWith(`${m}\0`) || text.includes(`\0${m}\0`);
      if (markers.every(has) && isAlive(pid)) out.push({ pid, env: parseEnviron(text) });
    } catch {}
  }
  return out;
}

// The pids of those processes: how tests find what they started, including double-forked
// grandchildren, without killing by name.
export function pidsWithEnv(...markers: string[]): number[] {
  return processesWithEnv(...markers).map((p) => p.pid);
}

export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}
