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
import { duration, esc } from "./format.ts";
import { graph } from "./graph.ts";
import { HEAD, patchTable } from "./table.ts";

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
  patchTable({ processes: state.processes, samples: state.samples, readOnly: READ_ONLY });
  put("graph-box", graph(state.processes, state.dependsOn));
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
