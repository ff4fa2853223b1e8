import type { LineStream } from "../logs/line-stream.ts";
import type { ProbeCheck } from "./types.ts";

// Passes once the process has printed a line matching `pattern` during this run (stdout or
// stderr). Lines are watched from the start of the run, before any initial delay.
export function logCheck(lines: LineStream, process: string, pattern: string): ProbeCheck {
  const re = new RegExp(pattern);
  let matched: string | null = null;
  let unsubscribe: (() => void) | null = null;
  return {
    open(wake) {
      unsubscribe = lines.subscribe(process, (line) => {
        if (matched !== null || !re.test(line.text)) return;
        matched = line.text;
        // Matched once is enough for this run.
        unsubscribe?.();
        unsubscribe = null;
        wake();
      });
    },
    close() {
      unsubscribe?.();
      unsubscribe = null;
    },
    async run() {
      if (matched === null) return { ok: false, message: `no line matching /${pattern}/ yet` };
      return { ok: true, message: `matched: ${matched.slice(0, 200)}` };
    },
  };
}
