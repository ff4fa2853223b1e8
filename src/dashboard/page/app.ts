// The dashboard's page: every process with its state, health, pid, uptime, restarts, CPU and
// memory (with sparklines of the samples taken while someone watched), progress with ETA,
// replicas grouped, the dependency graph, the event timeline and a live log view; and the
// actions. Everything arrives by server-sent events from the control API's own routes (the
// events, the samples, a process's logs); an event for a process makes the page read the list
// again; nothing polls. Written against the DOM only: no framework, nothing from a CDN.
import type {
  EventRecord,
  LogEntry,
  ProcessDetail,
  ProcessSnapshot,
  ReplicaSet,
  Sample,
} from "../../api/surface.gen.ts";

const meta = (name: string) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
const CSRF = meta("tend-csrf");
const READ_ONLY = meta("tend-read-only") === "true";
const TIMELINE_MAX = 200;
const LOG_MAX = 2000;

const state = {
  processes: [] as ProcessSnapshot[],
  dependsOn: new Map<string, { name: string; condition: string }[]>(),
  samples: [] as Sample[],
  events: [] as EventRecord[],
  logOf: null as string | null,
  logLines: [] as LogEntry[],
  logSearch: "",
  connected: false,
};

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function bytes(n: number | null): string {
  if (n === null) return "-";
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)}${units[i]}`;
}

function duration(ms: number | null): string {
  if (ms === null) return "-";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

// A sparkline of one process's samples: an SVG polyline scaled to its own largest value.
function sparkline(values: (number | null)[]): string {
  const pts = values.map((v, i) => [i, v ?? 0] as const);
  if (pts.length < 2) return '<svg class="spark" viewBox="0 0 60 16"></svg>';
  const max = Math.max(...pts.map(([, v]) => v), 1e-9);
  const step = 60 / (pts.length - 1);
  const line = pts.map(([i, v]) => `${(i * step).toFixed(1)},${(15 - (v / max) * 14).toFixed(1)}`).join(" ");
  return `<svg class="spark" viewBox="0 0 60 16"><polyline points="${line}"/></svg>`;
}

function seriesOf(name: string, key: "cpu" | "memory"): (number | null)[] {
  return state.samples.slice(-60).map((s) => s[key][name] ?? null);
}

function actionsOf(p: ProcessSnapshot, replicated: string | null): string {
  if (READ_ONLY) return "";
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

function row(p: ProcessSnapshot, replicated: string | null): string {
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
    <td data-field="cpu">${p.cpu === null ? "-" : `${p.cpu.toFixed(1)}%`} ${sparkline(seriesOf(p.name, "cpu"))}</td>
    <td data-field="memory">${bytes(p.memory)} ${sparkline(seriesOf(p.name, "memory"))}</td>
    <td data-field="progress">${progress}</td>
    <td class="actions">${actionsOf(p, replicated)}<button data-action="logs" data-name="${esc(p.name)}">logs</button></td>
  </tr>`;
}

// The table's rows, each keyed by what it shows (a process, or a replicated one's group).
function rows(): { key: string; html: string }[] {
  const out: { key: string; html: string }[] = [];
  const seen = new Set<string>();
  for (const p of state.processes) {
    if (p.replicaOf === null) {
      out.push({ key: p.name, html: row(p, null) });
      continue;
    }
    if (seen.has(p.replicaOf)) continue;
    seen.add(p.replicaOf);
    const copies = state.processes.filter((c) => c.replicaOf === p.replicaOf);
    out.push({
      key: `group ${p.replicaOf}`,
      html: `<tr class="group" data-group="${esc(p.replicaOf)}"><td colspan="10">${esc(p.replicaOf)} <small>${copies.length} replicas</small></td></tr>`,
    });
    for (const c of copies) out.push({ key: c.name, html: row(c, p.replicaOf) });
  }
  return out;
}

const HEAD =
  "<thead><tr><th>name</th><th>state</th><th>health</th><th>pid</th><th>uptime</th><th>restarts</th><th>cpu</th><th>mem</th><th>progress</th><th></th></tr></thead>";

// The rows are patched cell by cell: a button stays the same element while what it does stays
// the same, so a click never lands on a row that was replaced under it.
function patchTable(): void {
  const body = document.querySelector("#processes tbody") as HTMLTableSectionElement;
  const wanted = rows();
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

// The dependency graph: processes in layers (a process one layer right of what it depends on),
// an arrow for each dependency, labelled with its condition.
function graph(): string {
  const names = state.processes.map((p) => p.replicaOf ?? p.name).filter((n, i, all) => all.indexOf(n) === i);
  const deps = (n: string) => state.dependsOn.get(n) ?? [];
  if (!names.some((n) => deps(n).length)) return '<p class="muted">No dependencies.</p>';
  const depth = new Map<string, number>();
  const depthOf = (n: string, trail: string[] = []): number => {
    if (depth.has(n)) return depth.get(n) as number;
    if (trail.includes(n)) return 0;
    const d = Math.max(-1, ...deps(n).map((x) => depthOf(x.name, [...trail, n]))) + 1;
    depth.set(n, d);
    return d;
  };
  for (const n of names) depthOf(n);
  const layers: string[][] = [];
  for (const n of names) {
    const d = depth.get(n) ?? 0;
    layers[d] = [...(layers[d] ?? []), n];
  }
  const pos = new Map<string, { x: number; y: number }>();
  for (const [i, layer] of layers.entries())
    for (const [j, n] of (layer ?? []).entries()) pos.set(n, { x: 20 + i * 170, y: 24 + j * 40 });
  const width = 40 + layers.length * 170;
  const height = 20 + Math.max(...layers.map((l) => l.length)) * 40;
  const stateOf = (n: string) =>
    state.processes.find((p) => p.name === n || p.replicaOf === n)?.state ?? "stopped";
  const edges = names.flatMap((n) =>
    deps(n).map((dep) => {
      const a = pos.get(dep.name);
      const b = pos.get(n);
      if (!a || !b) return "";
      return `<line x1="${a.x + 120}" y1="${a.y}" x2="${b.x}" y2="${b.y}" marker-end="url(#arrow)"/><text class="cond" x="${a.x + 124}" y="${(a.y + b.y) / 2 - 4}">${esc(dep.condition)}</text>`;
    }),
  );
  const nodes = names.map((n) => {
    const p = pos.get(n) as { x: number; y: number };
    return `<g class="node st-${stateOf(n)}" data-node="${esc(n)}"><rect x="${p.x}" y="${p.y - 12}" width="120" height="24" rx="4"/><text x="${p.x + 8}" y="${p.y + 4}">${esc(n)}</text></g>`;
  });
  return `<svg id="graph" width="${width}" height="${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>${edges.join("")}${nodes.join("")}</svg>`;
}

function timeline(): string {
  const items = [...state.events]
    .reverse()
    .map(
      (e) =>
        `<li data-event-type="${esc(e.type)}" data-event-process="${esc(e.process ?? "")}"><time>${new Date(e.at).toLocaleTimeString()}</time> <b>${esc(e.process ?? "tend")}</b> ${esc(e.type)}${e.reason ? ` <small>(${esc(e.reason)})</small>` : ""}</li>`,
    );
  return `<ol id="timeline">${items.join("")}</ol>`;
}

function logLines(): string {
  const q = state.logSearch.toLowerCase();
  return state.logLines
    .filter((l) => !q || l.text.toLowerCase().includes(q))
    .map((l) => `<div class="line ${l.stream}">${esc(l.text)}</div>`)
    .join("");
}

const shown = new Map<string, string>();
// Sets a part of the page only when what it shows changed.
function put(id: string, html: string): HTMLElement {
  const el = document.getElementById(id) as HTMLElement;
  if (shown.get(id) !== html) {
    el.innerHTML = html;
    shown.set(id, html);
  }
  return el;
}

let logsOf: string | null = null;
function renderLogs(): void {
  if (logsOf !== state.logOf) {
    logsOf = state.logOf;
    shown.delete("log-lines");
    put(
      "logs",
      state.logOf === null
        ? '<p class="muted">Choose "logs" on a process to follow its output.</p>'
        : `<div class="logbar"><b>${esc(state.logOf)}</b> <input id="log-search" placeholder="search"></div><div id="log-lines"></div>`,
    );
  }
  if (state.logOf === null) return;
  const lines = put("log-lines", logLines());
  lines.scrollTop = lines.scrollHeight;
}

function render(): void {
  const app = document.getElementById("app") as HTMLElement;
  if (!app.dataset.built) {
    app.dataset.built = "1";
    app.innerHTML = `<header><h1>tend</h1><span id="status"></span>${READ_ONLY ? '<span class="ro">read-only</span>' : ""}</header>
      <div id="toasts"></div>
      <section><table id="processes">${HEAD}<tbody></tbody></table></section>
      <section class="split"><div><h2>Dependencies</h2><div id="graph-box"></div></div><div><h2>Events</h2><div id="timeline-box"></div></div></section>
      <section><h2>Logs</h2><div id="logs"></div></section>`;
  }
  const status = put("status", state.connected ? "live" : "connecting…");
  status.className = state.connected ? "up" : "down";
  patchTable();
  put("graph-box", graph());
  put("timeline-box", timeline());
  renderLogs();
}

let scheduled = false;
function rerender(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    render();
  });
}

function toast(text: string, ok: boolean): void {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = document.createElement("div");
  el.className = `toast ${ok ? "ok" : "err"}`;
  el.textContent = text;
  box.append(el);
  setTimeout(() => el.remove(), 6000);
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method,
    headers: { "content-type": "application/json", "x-tend-csrf": CSRF },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok)
    throw new Error(data?.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${res.status}`);
  return data;
}

let listing: Promise<void> | null = null;
let again = false;
// The list read again after an event: one read at a time, and one more if events came meanwhile.
function refresh(): void {
  if (listing) {
    again = true;
    return;
  }
  listing = (async () => {
    try {
      state.processes = (await api("GET", "/v1/processes")) as ProcessSnapshot[];
      rerender();
    } catch (err) {
      toast(`reading the processes failed: ${(err as Error).message}`, false);
    } finally {
      listing = null;
      if (again) {
        again = false;
        refresh();
      }
    }
  })();
}

async function readDependencies(): Promise<void> {
  const names = [...new Set(state.processes.map((p) => p.replicaOf ?? p.name))];
  // A replicated process's copies share its config: its dependencies are its first copy's.
  const detail = async (n: string): Promise<ProcessDetail | null> => {
    const d = (await api("GET", `/v1/processes/${encodeURIComponent(n)}`).catch(() => null)) as
      | ProcessDetail
      | ReplicaSet
      | null;
    if (d && "replicas" in d) return d.replicas[0] ? detail(d.replicas[0].name) : null;
    return d;
  };
  const got = await Promise.all(names.map(detail));
  state.dependsOn.clear();
  for (const d of got) if (d) state.dependsOn.set(d.replicaOf ?? d.name, d.dependsOn);
  rerender();
}

async function act(action: string, name: string): Promise<void> {
  let body: unknown;
  if (action === "signal") {
    const signal = prompt(`Signal to send to ${name}:`, "SIGHUP");
    if (!signal) return;
    body = { signal };
  } else if (action === "scale") {
    const n = prompt(`How many copies of ${name}?`, "2");
    if (!n) return;
    body = { instances: Number(n) };
  }
  try {
    await api("POST", `/v1/processes/${encodeURIComponent(name)}/${action}`, body);
    toast(`${action} ${name}: done`, true);
  } catch (err) {
    toast(`${action} ${name}: ${(err as Error).message}`, false);
  }
  refresh();
}

let logStream: EventSource | null = null;
function followLogs(name: string): void {
  logStream?.close();
  state.logOf = name;
  state.logLines = [];
  logStream = new EventSource(`/v1/processes/${encodeURIComponent(name)}/logs?follow=true&lines=200`);
  logStream.addEventListener("line", (m) => {
    state.logLines.push(JSON.parse((m as MessageEvent).data) as LogEntry);
    if (state.logLines.length > LOG_MAX) state.logLines.splice(0, state.logLines.length - LOG_MAX);
    rerender();
  });
  rerender();
}

async function connect(): Promise<void> {
  // The recent past first (one read), then every event after the last of those, live.
  try {
    state.events = (await api("GET", `/v1/events?events=${TIMELINE_MAX}`)) as EventRecord[];
  } catch (err) {
    toast(`reading the events failed: ${(err as Error).message}`, false);
  }
  const last = state.events.at(-1)?.id;
  const events = new EventSource(`/v1/events?follow=true${last === undefined ? "" : `&after=${last}`}`);
  events.addEventListener("open", () => {
    state.connected = true;
    rerender();
  });
  events.addEventListener("error", () => {
    state.connected = false;
    rerender();
  });
  events.addEventListener("snapshot", (m) => {
    state.processes = JSON.parse((m as MessageEvent).data) as ProcessSnapshot[];
    rerender();
    void readDependencies();
  });
  events.addEventListener("event", (m) => {
    const e = JSON.parse((m as MessageEvent).data) as EventRecord;
    state.events.push(e);
    if (state.events.length > TIMELINE_MAX) state.events.splice(0, state.events.length - TIMELINE_MAX);
    rerender();
    if (e.process !== null || e.type.startsWith("supervisor.reload")) refresh();
    if (e.type === "process.added" || e.type === "process.removed" || e.type.startsWith("supervisor.reload"))
      void readDependencies();
  });
  const samples = new EventSource("/v1/samples?follow=true");
  samples.addEventListener("history", (m) => {
    state.samples = JSON.parse((m as MessageEvent).data) as Sample[];
    rerender();
  });
  samples.addEventListener("sample", (m) => {
    const s = JSON.parse((m as MessageEvent).data) as Sample;
    state.samples.push(s);
    if (state.samples.length > 720) state.samples.shift();
    for (const p of state.processes) {
      p.cpu = s.cpu[p.name] ?? p.cpu;
      p.memory = s.memory[p.name] ?? p.memory;
    }
    rerender();
  });
}

document.addEventListener("click", (ev) => {
  const button = (ev.target as HTMLElement).closest("button[data-action]") as HTMLButtonElement | null;
  if (!button) return;
  const { action, name } = button.dataset;
  if (!action || !name) return;
  if (action === "logs") followLogs(name);
  else void act(action, name);
});

document.addEventListener("input", (ev) => {
  const target = ev.target as HTMLInputElement;
  if (target.id !== "log-search") return;
  state.logSearch = target.value;
  rerender();
});

// Uptimes count up between updates; only the text changes, no request is made.
setInterval(() => {
  for (const cell of document.querySelectorAll<HTMLElement>('td[data-field="uptime"]')) {
    const started = Number(cell.dataset.started);
    if (started) cell.textContent = duration(Date.now() - started);
  }
}, 1000);

render();
void connect();
