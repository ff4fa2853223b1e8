import { appendFileSync } from "node:fs";

// The chaos suite runs a bounded form by default (CI) and a long one with TEND_SOAK=1 (`bun
// scripts/bench.ts --soak`). Each test reports what it did; with TEND_CHAOS_FIGURES=FILE the
// figures are appended there as JSON lines for the bench to print.
export const SOAK = process.env.TEND_SOAK === "1";

export function size(ci: number, soak: number): number {
  return SOAK ? soak : ci;
}

export function reportFigures(suite: string, figures: Record<string, number>): void {
  const file = process.env.TEND_CHAOS_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify({ suite, ...figures })}\n`);
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}
