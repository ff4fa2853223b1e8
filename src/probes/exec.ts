import { errorMessage } from "../errors.ts";
import { runCommand } from "../proc/run-command.ts";
import type { ProbeCheck } from "./types.ts";

export interface ExecCommand {
  argv: string[];
  argv0?: string;
  cwd: string | null;
  env: Record<string, string>;
  uid?: number;
  gid?: number;
}

// Passes when the command exits 0. It runs in its own process group; at the timeout the whole
// group is killed, so a hung check leaves nothing behind. `command` says how it runs, found
// anew for each check (an env_file may change); what it cannot find fails the check.
export function execCheck(command: () => ExecCommand): ProbeCheck {
  return {
    async run(signal) {
      let o: ExecCommand;
      try {
        o = command();
      } catch (err) {
        return { ok: false, message: errorMessage(err) };
      }
      const r = await runCommand({ ...o, signal });
      if (r.error !== null) return { ok: false, message: `cannot run ${o.argv[0]}: ${r.error}` };
      if (r.aborted) return { ok: false, message: "timed out" };
      const said = firstLine(r.output);
      const how = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
      return { ok: r.code === 0, message: said ? `${how}: ${said}` : how };
    },
  };
}

function firstLine(text: string): string {
  return (text.trim().split("\n")[0] ?? "").slice(0, 200);
}
