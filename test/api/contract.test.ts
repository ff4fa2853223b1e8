import { expect, test } from "bun:test";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

// /openapi.json read by a real JSON Schema validator (ajv, draft 2020-12, strict): every
// operation it lists is called here against a running supervisor, answered at least once with
// a 2xx and once with a 4xx, and every answer (stream events included) must validate against the
// operation's schema, which allows no unknown keys. The operations come from the document
// itself: a route added to the API without a call here fails the last test.

type Json = Record<string, unknown>;
interface Operation {
  id: string;
  method: string;
  path: string;
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;
let d: TestDaemon;
let ops: Map<string, Operation> | undefined;
const ajv = new Ajv2020({ strict: true, allErrors: true });
const compiled = new Map<string, ValidateFunction>();
const seen = new Map<string, Set<string>>(); // operation → "2xx" / "4xx"

// Each test has a supervisor of its own (test/preload.ts stops what a test started, after it).
async function supervisor(withDashboard = false): Promise<void> {
  d = await new TestDaemon(
    [
      `[processes.svc]\ncommand = ["${SLEEPER}"]\nreadiness = { type = "log", pattern = "ready" }`,
      `[processes.web]\ncommand = ["${SLEEPER}"]\ninstances = 2`,
    ].join("\n\n"),
    withDashboard ? `dashboard_listen = "127.0.0.1:${freePort()}"\nmetrics_interval = "200ms"` : "",
  ).start();
  await waitFor(
    "svc healthy",
    async () => ((await (await d.api("GET", "/v1/processes/svc")).json()) as Json).health === "healthy",
  );
  if (ops) return;
  const doc = (await (await d.api("GET", "/openapi.json")).json()) as Json;
  // OpenAPI keeps shared schemas under components.schemas; as a JSON Schema document of its own
  // they are $defs, and each reference points there.
  const components = ((doc.components as Json).schemas ?? {}) as Json;
  const relink = (s: unknown) =>
    JSON.parse(JSON.stringify(s).replaceAll('"#/components/schemas/', '"tend:components#/$defs/')) as Json;
  ajv.addSchema({ $id: "tend:components", $defs: relink(components) });
  ops = new Map();
  for (const [path, byMethod] of Object.entries(doc.paths as Record<string, Json>))
    for (const [method, op] of Object.entries(byMethod as Record<string, Json>)) {
      const id = op.operationId as string;
      const responses = relink(op.responses) as Operation["responses"];
      ops.set(id, { id, method: method.toUpperCase(), path, responses });
    }
}

function validator(op: Operation, status: string, type: string): ValidateFunction {
  const key = `${op.id} ${status} ${type}`;
  let v = compiled.get(key);
  if (!v) {
    const schema = op.responses[status]?.content?.[type]?.schema;
    if (!schema) throw new Error(`${op.method} ${op.path}: no schema for ${status} ${type} in /openapi.json`);
    v = ajv.compile(schema);
    compiled.set(key, v);
  }
  return v;
}

function check(op: Operation, status: number, type: string, body: unknown): void {
  const declared = status >= 400 ? "4XX" : String(status);
  const v = validator(op, declared, type);
  if (!v(body))
    throw new Error(
      `${op.method} ${op.path} answered ${status} with a body its schema refuses: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 800)}`,
    );
  seen.set(op.id, (seen.get(op.id) ?? new Set()).add(status >= 400 ? "4xx" : "2xx"));
}

interface Ask {
  name?: string;
  query?: string;
  body?: unknown;
  raw?: string;
}

// One call of an operation, by its operationId; the answer is validated before it is returned.
async function call(id: string, ask: Ask = {}): Promise<{ status: number; body: unknown }> {
  const op = ops?.get(id);
  if (!op) throw new Error(`/openapi.json has no operation ${id}`);
  const path =
    op.path.replace("{name}", encodeURIComponent(ask.name ?? "")) + (ask.query ? `?${ask.query}` : "");
  const res = await fetch(`http://localhost${path}`, {
    method: op.method,
    unix: d.socket,
    headers:
      ask.body === undefined && ask.raw === undefined ? undefined : { "content-type": "application/json" },
    body: ask.raw ?? (ask.body === undefined ? undefined : JSON.stringify(ask.body)),
  });
  const type = (res.headers.get("content-type") ?? "").split(";")[0] as string;
  const text = await res.text();
  const body = type === "application/json" ? JSON.parse(text) : text;
  check(op, res.status, type, body);
  return { status: res.status, body };
}

// A following call: the first `count` server-sent events, each validated as {event, data}.
async function stream(
  id: string,
  ask: Ask,
  count: number,
  during?: () => Promise<unknown>,
): Promise<string[]> {
  const op = ops?.get(id) as Operation;
  const path = op.path.replace("{name}", ask.name ?? "") + (ask.query ? `?${ask.query}` : "");
  const ac = new AbortController();
  const res = await fetch(`http://localhost${path}`, { unix: d.socket, signal: ac.signal });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const kinds: string[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let poked = false;
  try {
    while (kinds.length < count) {
      if (!poked && kinds.length > 0 && during) {
        poked = true;
        await during();
      }
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      for (let sep = buf.indexOf("\n\n"); sep !== -1; sep = buf.indexOf("\n\n")) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        check(op, 200, "text/event-stream", { event, data: JSON.parse(data) });
        kinds.push(event);
      }
    }
  } finally {
    ac.abort();
  }
  return kinds;
}

test("the processes: listed, read in full, added, acted on, removed", async () => {
  await supervisor();
  expect((await call("health")).status).toBe(200);
  expect((await call("list")).status).toBe(200);
  expect((await call("get", { name: "svc" })).status).toBe(200);
  expect((await call("get", { name: "web" })).status).toBe(200); // a replicated one, as a set
  expect((await call("get", { name: "nope" })).status).toBe(404);

  const added = await call("add", { body: { name: "extra", command: [SLEEPER], autostart: false } });
  expect(added.status).toBe(201);
  expect((await call("add", { body: { name: "extra", command: [SLEEPER] } })).status).toBe(409);
  expect(
    (await call("add", { body: { name: "bad", command: [SLEEPER], restart: "sometimes" } })).status,
  ).toBe(400);
  expect((await call("start", { name: "extra" })).status).toBe(200);
  expect((await call("start", { name: "nope" })).status).toBe(404);
  expect((await call("stop", { name: "extra", body: { force: true } })).status).toBe(200);
  expect((await call("stop", { name: "extra", body: { force: "yes" } })).status).toBe(400);
  expect((await call("stop", { name: "extra", raw: "null" })).status).toBe(400); // null is no body, nor {}
  expect((await call("remove", { name: "extra" })).status).toBe(200);
  expect((await call("remove", { name: "svc" })).status).toBe(409); // from the config

  expect((await call("restart", { name: "svc" })).status).toBe(200);
  expect((await call("restart", { name: "svc", body: { now: true } })).status).toBe(400);
  expect((await call("reset", { name: "svc" })).status).toBe(200);
  expect((await call("reset", { name: "nope" })).status).toBe(404);
  expect((await call("set", { name: "svc", body: { restart: "always", max_memory: "1GiB" } })).status).toBe(
    200,
  );
  expect((await call("get", { name: "svc" })).status).toBe(200); // with its overrides
  expect((await call("set", { name: "svc", body: { clear: true } })).status).toBe(200);
  expect((await call("set", { name: "svc", body: {} })).status).toBe(400);
  expect((await call("pause", { name: "svc" })).status).toBe(200);
  expect((await call("pause", { name: "nope" })).status).toBe(404);
  expect((await call("resume", { name: "svc" })).status).toBe(200);
  expect((await call("resume", { name: "svc", raw: "[]" })).status).toBe(400);
  expect((await call("signal", { name: "svc", body: { signal: "SIGCONT" } })).status).toBe(200);
  expect((await call("signal", { name: "svc", body: { signal: "SIGNOPE" } })).status).toBe(400);
  expect((await call("scale", { name: "web", body: { instances: 3 } })).status).toBe(200);
  expect((await call("scale", { name: "web", body: { instances: 0 } })).status).toBe(400);
  expect((await call("progress", { name: "svc", body: { progress: 0.5, message: "half" } })).status).toBe(
    200,
  );
  expect((await call("list")).status).toBe(200); // with progress
  expect((await call("progress", { name: "svc", body: { progress: 2 } })).status).toBe(400);
});

test("history, logs and events: as JSON and as streams", async () => {
  await supervisor();
  expect((await call("history", { name: "svc", query: "runs=5" })).status).toBe(200);
  expect((await call("history", { name: "svc", query: "runs=0" })).status).toBe(400);
  expect((await call("history", { name: "svc", query: "__proto__=x" })).status).toBe(400);
  expect((await call("logs", { name: "svc", query: "lines=5&stream=stdout" })).status).toBe(200);
  expect((await call("logs", { name: "svc", query: "stream=both" })).status).toBe(400);
  expect(await stream("logs", { name: "svc", query: "follow=true&lines=1" }, 1)).toEqual(["line"]);
  expect((await call("allLogs", { query: "lines=5" })).status).toBe(200);
  expect((await call("allLogs", { query: "since=yesterday" })).status).toBe(400);
  expect(await stream("allLogs", { query: "follow=true&lines=1" }, 1)).toEqual(["line"]);
  expect((await call("clearLogs", { name: "svc" })).status).toBe(200);
  expect((await call("clearLogs", { name: "nope" })).status).toBe(404);

  expect((await call("events", { query: "process=svc&type=process&events=10" })).status).toBe(200);
  expect((await call("events", { query: "events=many" })).status).toBe(400);
  const kinds = await stream("events", { query: "follow=1&process=svc" }, 2, () =>
    call("restart", { name: "svc" }),
  );
  expect(kinds.slice(0, 2)).toEqual(["snapshot", "event"]);
});

test("the supervisor: reload, figures, metrics, samples, the dashboard's login, this document, shutdown", async () => {
  await supervisor(true);
  expect((await call("samples")).status).toBe(200);
  expect((await call("samples", { query: "follow=maybe" })).status).toBe(400);
  expect(await stream("samples", { query: "follow=true" }, 2)).toEqual(["history", "sample"]);
  expect((await call("dashboardLogin")).status).toBe(200);
  expect((await call("dashboardLogin", { body: { open: true } })).status).toBe(400);
  expect((await call("reload", { body: { dryRun: true } })).status).toBe(200);
  expect((await call("reload", { body: { dry_run: true } })).status).toBe(400);
  expect((await call("probeSchedule", { query: "window=30s" })).status).toBe(200);
  expect((await call("probeSchedule", { query: "window=soon" })).status).toBe(400);
  for (const id of ["health", "list", "metricsSampler", "heap", "metrics", "openapi"]) {
    expect((await call(id)).status).toBe(200);
    // No query string is declared for these: a parameter is refused, not ignored.
    expect((await call(id, { query: "verbose=1" })).status).toBe(400);
  }
  expect((await call("shutdown", { body: { when: "now" } })).status).toBe(400);
  expect((await call("shutdown")).status).toBe(200);
});

test("every operation in /openapi.json was answered with a 2xx and a 4xx, each valid", () => {
  expect(ops?.size ?? 0).toBeGreaterThan(20);
  const missing = [...(ops?.values() ?? [])]
    .filter((op) => !(seen.get(op.id)?.has("2xx") && seen.get(op.id)?.has("4xx")))
    .map((op) => `${op.method} ${op.path}: ${[...(seen.get(op.id) ?? [])].join(", ") || "never called"}`);
  expect(missing).toEqual([]);
});
