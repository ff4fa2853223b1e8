// Progress of a long task, as children report it and `tend status` shows it (shapes.ts).
export type { ProgressInfo } from "./shapes.ts";

// "42%" and "42" are percents, "0.42" is a fraction: a number with a decimal point and at most 1
// is a fraction, anything else a percent. Null for text that is not a number in 0..100 %.
export function parseProgress(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const fraction = m[2] === "" && (m[1] as string).includes(".") && n <= 1 ? n : n / 100;
  return fraction >= 0 && fraction <= 1 ? fraction : null;
}

// ETA = runtime / progress × (1 − progress): the rest of the task at the pace so far.
export function computeEtaMs(runtimeMs: number, fraction: number): number | null {
  if (!(fraction > 0) || runtimeMs < 0) return null;
  return Math.round((runtimeMs / fraction) * (1 - fraction));
}
