import type { Clock } from "../clock.ts";
import { errorMessage } from "../errors.ts";
import { runCommand } from "../proc/run-command.ts";
import type { AlertRule } from "./alert-rule.ts";

export interface AlertPayload {
  rule: number;
  kind: string; // the matched `on` entry
  process: string | null;
  event: unknown; // the event, or for log rules the line
  suppressed: number; // matches not sent since the previous alert of this rule
  at: number; // epoch ms
  host: string;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status: number | null; // HTTP status, or the command's exit code
  error: string | null;
}

const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => clock.after(ms, r));

// POSTs the payload as JSON, or runs the command with it on stdin (and in TEND_ALERT), retrying
// with exponential backoff (1 s, 2 s, 4 s …). Never throws: the outcome is data for an event.
export async function deliver(rule: AlertRule, payload: AlertPayload, clock: Clock): Promise<DeliveryResult> {
  let last: DeliveryResult = { ok: false, attempts: 0, status: null, error: "no action configured" };
  for (let attempt = 1; attempt <= rule.retries + 1; attempt++) {
    last = { ...(await once(rule, payload)), attempts: attempt };
    if (last.ok) return last;
    if (attempt <= rule.retries) await sleep(clock, 1000 * 2 ** (attempt - 1));
  }
  return last;
}

async function once(rule: AlertRule, payload: AlertPayload): Promise<Omit<DeliveryResult, "attempts">> {
  const body = JSON.stringify(payload);
  if (rule.webhook) {
    try {
      const res = await fetch(rule.webhook, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "tend-alerts" },
        body,
        signal: AbortSignal.timeout(rule.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return { ok: res.ok, status: res.status, error: res.ok ? null : `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, status: null, error: errorMessage(err) };
    }
  }
  if (rule.command) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.TEND_ALERT = body;
    env.TEND_ALERT_KIND = payload.kind;
    env.TEND_ALERT_PROCESS = payload.process ?? "";
    const r = await runCommand({
      argv: rule.command,
      cwd: null,
      env,
      stdin: body,
      signal: AbortSignal.timeout(rule.timeoutMs),
    });
    if (r.error) return { ok: false, status: null, error: r.error };
    const ok = r.code === 0;
    return { ok, status: r.code, error: ok ? null : r.aborted ? "timed out" : `exit ${r.code ?? r.signal}` };
  }
  return { ok: false, status: null, error: "no action configured" };
}
