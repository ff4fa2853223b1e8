import type { Row } from "./types.ts";

export interface RunInfo {
  command: string;
  date: Date;
  bin: string;
  binVersion: string;
  bunVersion: string;
  nproc: number;
  // 1-minute load average when the run started: other work on the host skews timings.
  loadAvg: number;
  quick: boolean;
  wallS: number;
}

const cell = (s: string) => s.replaceAll("|", "\\|");

export function renderReport(info: RunInfo, rows: Row[], problems: string[]): string {
  const lines = [
    `# tend benchmarks${info.quick ? " (quick: reduced counts)" : ""}`,
    "",
    `- command: \`${info.command}\``,
    `- date: ${info.date.toISOString()}`,
    `- binary: ${info.bin} (${info.binVersion})`,
    `- bun ${info.bunVersion}, nproc ${info.nproc}, load average ${info.loadAvg.toFixed(2)} at start, whole run ${info.wallS.toFixed(0)} s`,
    "",
    "| metric | result | target | met |",
    "|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${cell(r.metric)} | ${cell(r.result)} | ${cell(r.target || "—")} | ${r.met === null ? "—" : r.met ? "yes" : "**no**"} |`,
    ),
    "",
  ];
  if (problems.length) lines.push("## Problems", "", ...problems.map((p) => `- ${p}`), "");
  return lines.join("\n");
}
