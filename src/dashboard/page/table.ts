import type { ProcessSnapshot, Sample } from "../../api/surface.gen.ts";
import { bytes, duration, esc, sparkline } from "./format.ts";

// The process table: a row per process, replicas under their group's row, each patched in place.
export interface View {
  processes: ProcessSnapshot[];
  samples: Sample[];
  readOnly: boolean;
}

function seriesOf(samples: Sample[], name: string, key: "cpu" | "memory"): (number | null)[] {
  return samples.slice(-60).map((s) => s[key][name] ?? null);
}

function actionsOf(p: ProcessSnapshot, replicated: string | null, readOnly: boolean): string {
  if (readOnly) return "";
  const b = (action: string, label = action) =>
    `<button data-action="${action}" data-name="${esc(p.name)}">${label}</button>`;
  const running =
    p.state === "running" || p.state === "starting" || p.state === "backoff" || p.state === "waiting";
  return [
    running ? b("stop") : b("start"),
    b("restart"),
    p.state === "paused" ? b("resume") : p.state === "running" ? b("pause") : "",
    p.pid ? b("signal", "signal…") : "",
    replicated ? `<button data-action="scale" data-name="${esc(replicated)}">scale…</button>` : "",
  ].join("");
}

function row(v: View, p: ProcessSnapshot, replicated: string | null): string {
  const progress = p.progress
    ? `<div class="bar" title="${esc(p.progress.message ?? "")}"><i style="width:${(p.progress.fraction * 100).toFixed(0)}%"></i></div>` +
      `<small>${(p.progress.fraction * 100).toFixed(0)}%${p.progress.etaMs !== null ? `, ETA ${duration(p.progress.etaMs)}` : ""}</small>`
    : "";
  return `<tr data-process="${esc(p.name)}" class="${replicated ? "copy" : ""}">
    <td class="name">${esc(p.name)}</td>
    <td data-field="state" class="st-${p.state}">${p.state}${p.reason ? ` <small>(${esc(p.reason)})</small>` : ""}</td>
    <td data-field="health" class="h-${p.health}">${p.health}</td>
    <td data-field="pid">${p.pid ?? "-"}</td>
    <td data-field="uptime" data-started="${p.startedAt ?? ""}">${duration(p.startedAt === null ? null : Date.now() - p.startedAt)}</td>
    <td data-field="restarts">${p.restarts}</td>
    <td data-field="cpu">${p.cpu === null ? "-" : `${p.cpu.toFixed(1)}%`} ${sparkline(seriesOf(v.samples, p.name, "cpu"))}</td>
    <td data-field="memory">${bytes(p.memory)} ${sparkline(seriesOf(v.samples, p.name, "memory"))}</td>
    <td data-field="progress">${progress}</td>
    <td class="actions">${actionsOf(p, replicated, v.readOnly)}<button data-action="logs" data-name="${esc(p.name)}">logs</button></td>
  </tr>`;
}

// The table's rows, each keyed by what it shows (a process, or a replicated one's group).
function rows(v: View): { key: string; html: string }[] {
  const out: { key: string; html: string }[] = [];
  const seen = new Set<string>();
  for (const p of v.processes) {
    if (p.replicaOf === null) {
      out.push({ key: p.name, html: row(v, p, null) });
      continue;
    }
    if (seen.has(p.replicaOf)) continue;
    seen.add(p.replicaOf);
    const copies = v.processes.filter((c) => c.replicaOf === p.replicaOf);
    out.push({
      key: `group ${p.replicaOf}`,
      html: `<tr class="group" data-group="${esc(p.replicaOf)}"><td colspan="10">${esc(p.replicaOf)} <small>${copies.length} replicas</small></td></tr>`,
    });
    for (const c of copies) out.push({ key: c.name, html: row(v, c, p.replicaOf) });
  }
  return out;
}

export const HEAD =
  "<thead><tr><th>name</th><th>state</th><th>health</th><th>pid</th><th>uptime</th><th>restarts</th><th>cpu</th><th>mem</th><th>progress</th><th></th></tr></thead>";

// The rows are patched cell by cell: a button stays the same element while what it does stays
// the same, so a click never lands on a row that was replaced under it.
export function patchTable(v: View): void {
  const body = document.querySelector("#processes tbody") as HTMLTableSectionElement;
  const wanted = rows(v);
  const have = [...body.rows];
  const keyOf = (tr: HTMLTableRowElement) => tr.dataset.process ?? `group ${tr.dataset.group}`;
  if (have.length !== wanted.length || have.some((tr, i) => keyOf(tr) !== wanted[i]?.key)) {
    body.innerHTML = wanted.map((r) => r.html).join("");
    return;
  }
  const scratch = document.createElement("tbody");
  for (const [i, tr] of have.entries()) {
    scratch.innerHTML = wanted[i]?.html ?? "";
    const next = scratch.rows[0];
    if (!next) continue;
    if (tr.className !== next.className) tr.className = next.className;
    for (const [j, cell] of [...next.cells].entries()) {
      const old = tr.cells[j];
      if (!old) continue;
      if (old.innerHTML !== cell.innerHTML) old.innerHTML = cell.innerHTML;
      if (old.className !== cell.className) old.className = cell.className;
      if (old.dataset.started !== cell.dataset.started) old.dataset.started = cell.dataset.started ?? "";
    }
  }
}
