import type { AlertRule } from "./alert-rule.ts";
import { Alerter, type AlerterDeps } from "./alerter.ts";

export interface LiveAlertsDeps extends AlerterDeps {
  currentRules: () => AlertRule[]; // the [[alerts]] of the config now in force
}

// The daemon's alerter across reloads: when a reload changed [[alerts]], the old alerter is
// stopped (pending summaries of its rules are dropped with it) and one for the new rules takes
// over. A reload that left the rules alone keeps the running rate-limit windows.
export class LiveAlerts {
  private alerter: Alerter;
  private key: string;
  private readonly unsubscribe: () => void;

  constructor(
    rules: AlertRule[],
    private readonly deps: LiveAlertsDeps,
  ) {
    this.alerter = new Alerter(rules, deps);
    this.key = rulesKey(rules);
    this.unsubscribe = deps.subscribe((e) => {
      if (e.type === "supervisor.reloaded") this.apply(deps.currentRules());
    });
  }

  apply(rules: AlertRule[]): boolean {
    const key = rulesKey(rules);
    if (key === this.key) return false;
    this.alerter.stop();
    this.alerter = new Alerter(rules, this.deps);
    this.key = key;
    this.deps.record("alerts.reloaded", null, { rules: rules.length });
    return true;
  }

  stop(): void {
    this.unsubscribe();
    this.alerter.stop();
  }
}

export function rulesKey(rules: AlertRule[]): string {
  return JSON.stringify(rules.map((r) => ({ ...r, pattern: r.pattern?.source ?? null })));
}
