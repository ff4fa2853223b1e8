import type { EventRecord } from "../domain/types.ts";

// What an operator writes in `on = [...]`: short names for the events people alert on, or any
// full event type ("process.failed", "probe.failed").
export const ALERT_KINDS = ["crashed", "failed", "unhealthy", "restarted", "exited", "log"] as const;

export interface AlertRule {
  index: number; // position in [[alerts]], names the rule in events
  on: string[];
  pattern: RegExp | null; // for "log"
  processes: string[] | null; // null: all
  minIntervalMs: number;
  webhook: string | null;
  command: string[] | null;
  timeoutMs: number;
  retries: number;
}

// The short names an event answers to (the README's event catalogue lists them):
// - crashed: a run ended by itself with a failure (`run.exited`, reason crashed), restarted or not;
// - exited: the process came to rest after its runs (`process.exited` or `process.failed`);
// - failed: tend gave up on it (`process.failed`);
// - unhealthy: `health.changed` to unhealthy;
// - restarted: a restart is on its way (`process.backoff`, or a start for `tend restart`).
export function kindsOf(e: EventRecord): string[] {
  const kinds = [e.type];
  if (e.type === "run.exited" && e.reason === "crashed") kinds.push("crashed");
  if (e.type === "process.exited" || e.type === "process.failed") kinds.push("exited");
  if (e.type === "process.failed") kinds.push("failed");
  if (e.type === "health.changed" && (e.details as { health?: string } | null)?.health === "unhealthy") {
    kinds.push("unhealthy");
  }
  if (e.type === "process.backoff" || (e.type === "process.starting" && e.reason === "restart")) {
    kinds.push("restarted");
  }
  return kinds;
}

export function ruleMatchesEvent(rule: AlertRule, e: EventRecord): boolean {
  if (e.type.startsWith("alert.")) return false; // never alert on alerts
  if (rule.processes && (e.process === null || !rule.processes.includes(e.process))) return false;
  const kinds = kindsOf(e);
  return rule.on.some((k) => k !== "log" && kinds.includes(k));
}

export function ruleMatchesLine(rule: AlertRule, process: string, text: string): boolean {
  if (!rule.on.includes("log") || !rule.pattern) return false;
  if (rule.processes && !rule.processes.includes(process)) return false;
  return rule.pattern.test(text);
}
