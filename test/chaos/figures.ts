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

// A small deterministic generator (mulberry32): a failure names the seed that replays it.
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}
