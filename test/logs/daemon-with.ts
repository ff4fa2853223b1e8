import { appendFileSync } from "node:fs";
import { TestDaemon } from "../helpers/daemon.ts";

// A TestDaemon whose [processes] may name its log directory (fixtures that watch their own log
// file need the path, which exists only once the daemon's temp dir does).
export function daemonWith(processes: (logDir: string) => string, supervisorExtra = ""): TestDaemon {
  const d = new TestDaemon("", supervisorExtra);
  appendFileSync(d.configPath, processes(d.logDir));
  return d;
}

// `tend logs …` output as lines, without the last newline.
export function outLines(stdout: string): string[] {
  return stdout === "" ? [] : stdout.replace(/\n$/, "").split("\n");
}
