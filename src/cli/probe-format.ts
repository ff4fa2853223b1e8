import type { ProbeReport, ProbeResult, ProcessDetail } from "../client/index.ts";
import { latencyText, paint, time } from "./format.ts";

// What `tend status` says about health probes, dependencies and the preset.

export function resultText(r: ProbeResult): string {
  return `${r.ok ? "passed" : "failed"}: ${r.message} in ${latencyText(r.latencyMs)} at ${time(r.at)}`;
}

function probeLine(r: ProbeReport, color: boolean): string {
  const counts = r.status === "failing" ? `, ${r.failures} failure(s) in a row` : "";
  const idle = r.active ? "" : " (not checking)";
  const last = r.last ? `; last ${resultText(r.last)}` : "";
  return `${r.kind} ${r.check}: ${paint(r.status, r.status === "failing" ? "failed" : "running", color)}${counts}${idle}${last}`;
}

// The lines `tend status` adds about probes, dependencies and the preset.
export function statusLines(p: ProcessDetail, color: boolean): string[] {
  const lines: string[] = [];
  if (p.waitingFor?.length) lines.push(`waiting:   for ${p.waitingFor.join(", ")}`);
  if (p.dependsOn.length)
    lines.push(`depends on: ${p.dependsOn.map((d) => `${d.name} ${d.condition}`).join(", ")}`);
  p.probes.forEach((r, i) => {
    lines.push(`${i === 0 ? "probes:    " : "           "}${probeLine(r, color)}`);
  });
  if (p.preset) {
    const keys = Object.entries(p.preset.applied).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
    lines.push(`preset:    ${p.preset.name}${keys.length ? `, expanded to: ${keys.join("; ")}` : ""}`);
  }
  return lines;
}
