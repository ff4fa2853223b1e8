import { runCommand } from "../proc/run-command.ts";
import type { ProbeCheck } from "./types.ts";

export interface ExecCheckOptions {
  argv: string[];
  cwd: string | null;
  env: Record<string, string>;
}

// Passes when the command exits 0. It runs in its own process group; at the timeout the whole
// group is killed, so a hung check leaves nothing behind.
export function execCheck(o: ExecCheckOptions): ProbeCheck {
  return {
    async run(signal) {
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
