import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// `bun scripts/bench.ts --soak`: the chaos suite (test/chaos) in its long form: 20 kill -9 rounds
// over 50 processes, 50 000 invalid requests, 60 000 mutated configs, the ownership attacks.
// Prints each suite's figures as a table; exits 1 if a test failed.
export async function runSoak(log: (m: string) => void): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "tend-soak-"));
  const figures = join(dir, "figures.jsonl");
  try {
    log("test/chaos with TEND_SOAK=1…");
    const t0 = performance.now();
    const p = Bun.spawn([process.execPath, "test", "--timeout", "1800000", "test/chaos"], {
      cwd: resolve(import.meta.dir, "../.."),
      env: { ...process.env, TEND_SOAK: "1", TEND_CHAOS_FIGURES: figures },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const code = await p.exited;
    const rows = readFileSync(figures, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    console.log("| suite | figures |\n|---|---|");
    for (const { suite, ...rest } of rows)
      console.log(
        `| ${suite} | ${Object.entries(rest)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")} |`,
      );
    console.log(
      `\n\`bun scripts/bench.ts --soak\`: exit ${code}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    return code === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
