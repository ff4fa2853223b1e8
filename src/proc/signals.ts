import { constants } from "node:os";
import { TendError } from "../errors.ts";

// Signal names accepted anywhere a signal is configured or sent: "SIGHUP", "HUP" or a number.
const BY_NAME = constants.signals as Record<string, number>;

export function signalNumber(name: string): number | null {
  const upper = name.trim().toUpperCase();
  if (/^\d+$/.test(upper)) {
    const n = Number(upper);
    return Object.values(BY_NAME).includes(n) ? n : null;
  }
  const full = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  return BY_NAME[full] ?? null;
}

export function normalizeSignal(name: string): string | null {
  const n = signalNumber(name);
  if (n === null) return null;
  return signalName(n);
}

export function signalName(n: number): string {
  for (const [k, v] of Object.entries(BY_NAME)) if (v === n && k !== "SIGIOT" && k !== "SIGPOLL") return k;
  return String(n);
}

export function requireSignal(name: string): string {
  const sig = normalizeSignal(name);
  if (sig === null) {
    throw new TendError("BAD_SIGNAL", `unknown signal "${name}": use a name like SIGHUP, SIGUSR1 or SIGTERM`);
  }
  return sig;
}
