import { hostname } from "node:os";
import type { Clock } from "../clock.ts";
import type { EventRecord } from "../domain/types.ts";
import type { LineStream } from "../logs/line-stream.ts";
import { type AlertRule, kindsOf, ruleMatchesEvent, ruleMatchesLine } from "./alert-rule.ts";
import { type AlertPayload, deliver } from "./deliver.ts";
import { RateLimit } from "./rate-limit.ts";

export interface AlerterDeps {
  clock: Clock;
  subscribe: (listener: (e: EventRecord) => void) => () => void;
  lines: LineStream;
  processNames: () => string[];
  record: (type: string, process: string | null, details: Record<string, unknown>) => void;
}

interface Match {
  kind: string;
  process: string | null;
  event: unknown;
}

// Turns events and log lines into alerts: one rate limit per rule, deliveries recorded as
// `alert.delivered` / `alert.failed` events (which never trigger alerts themselves).
export class Alerter {
  private readonly limits: RateLimit<Match>[];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly logWatches = new Map<string, () => void>();

  constructor(
    private readonly rules: AlertRule[],
    private readonly deps: AlerterDeps,
  ) {
    this.limits = rules.map(
      (rule) =>
        new RateLimit<Match>(
          deps.clock,
          rule.minIntervalMs,
          (m, suppressed) => void this.send(rule, m, suppressed),
        ),
    );
    if (rules.length === 0) return;
    this.unsubscribe.push(deps.subscribe((e) => this.onEvent(e)));
    this.watchLogs();
  }

  // Log rules subscribe to the line stream only for the processes they name (or all), so a
  // process no rule watches is never split into lines.
  watchLogs(): void {
    if (!this.rules.some((r) => r.on.includes("log"))) return;
    for (const name of this.deps.processNames()) {
      if (this.logWatches.has(name)) continue;
      const rules = this.rules.filter(
        (r) => r.on.includes("log") && (!r.processes || r.processes.includes(name)),
      );
      if (rules.length === 0) continue;
      this.logWatches.set(
        name,
        this.deps.lines.subscribe(name, (line) => {
          for (const rule of rules) {
            if (ruleMatchesLine(rule, name, line.text)) {
              this.limits[rule.index]?.offer({ kind: "log", process: name, event: line });
            }
          }
        }),
      );
    }
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    for (const u of this.logWatches.values()) u();
    for (const l of this.limits) l.stop();
  }

  private onEvent(e: EventRecord): void {
    if (e.type === "process.added" || e.type === "supervisor.reloaded") this.watchLogs();
    for (const rule of this.rules) {
      if (!ruleMatchesEvent(rule, e)) continue;
      const kind = rule.on.find((k) => kindsOf(e).includes(k)) ?? e.type;
      this.limits[rule.index]?.offer({ kind, process: e.process, event: e });
    }
  }

  private async send(rule: AlertRule, m: Match, suppressed: number): Promise<void> {
    const payload: AlertPayload = {
      rule: rule.index,
      kind: m.kind,
      process: m.process,
      event: m.event,
      suppressed,
      at: this.deps.clock.wallMs(),
      host: hostname(),
    };
    const result = await deliver(rule, payload, this.deps.clock);
    const target = rule.webhook ?? rule.command?.join(" ") ?? "";
    this.deps.record(result.ok ? "alert.delivered" : "alert.failed", m.process, {
      rule: rule.index,
      kind: m.kind,
      suppressed,
      target,
      attempts: result.attempts,
      status: result.status,
      error: result.error,
    });
  }
}
