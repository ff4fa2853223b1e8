import { expect, test } from "bun:test";
import { connect } from "node:net";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TestDaemon } from "../helpers/daemon.ts";
import { rng } from "../helpers/random.ts";
import { pick, reportFigures, size } from "./figures.ts";

// Malformed and invalid requests against a real supervisor: request lines and headers over a
// raw socket, and requests with bad methods, paths, queries and bodies. None may yield a 5xx,
// crash the supervisor or change anything: the state before and after must be the same.

const NAMES = ["nope", "../etc/passwd", "%00", "a".repeat(300), "ünïcode", "svc%2F..%2F", "-", ".", "svc/x"];
const ACTIONS = [
  "start",
  "stop",
  "restart",
  "pause",
  "resume",
  "signal",
  "progress",
  "logs",
  "history",
  "frobnicate",
];
const BODIES = [
  "{not json",
  '{"bogus": true}',
  "[]",
  "null",
  '"string"',
  "1e309",
  '{"signal": 5}',
  '{"progress": 7}',
  '{"command": []}',
  '{"name": "x"}',
  '{"name": "bad name", "command": ["true"]}',
  '{"name": "x", "command": ["true"], "no_such_key": 1}',
  '{"dry_run": "yes"}',
  "\u0000\u0001\u0002",
  "x".repeat(70_000),
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
const QUERIES = [
  "",
  "?lines=-1",
  "?lines=abc",
  "?lines=99999999",
  "?follow=maybe",
  "?stream=both",
  "?after=x",
  "?x=1",
];

// One request that must be refused: an unknown or malformed name, or an existing one with a body
// it does not take, or a route that does not exist.
function invalidRequest(random: () => number): { method: string; path: string; body?: string } {
  const kind = Math.floor(random() * 5);
  if (kind === 0)
    return {
      method: pick(random, METHODS),
      path: `/v1/processes/${encodeURIComponent(pick(random, NAMES))}/${pick(random, ACTIONS)}`,
    };
  if (kind === 1) {
    const action = pick(random, ["start", "stop", "restart", "pause", "resume", "signal", "progress"]);
    return {
      method: "POST",
      path: `/v1/processes/svc/${action}`,
      body: pick(
        random,
        BODIES.filter((b) => b !== "[]" || action !== "signal"),
      ),
    };
  }
  if (kind === 2)
    return {
      method: "POST",
      path: pick(random, ["/v1/processes", "/v1/reload", "/v1/shutdown"]),
      body: pick(random, BODIES),
    };
  if (kind === 3)
    return {
      method: "GET",
      path: `${pick(random, ["/v1/events", "/v1/processes/svc/logs", "/v1/processes/svc/history", "/v1/debug/probe-schedule"])}${pick(random, QUERIES.slice(1))}`,
    };
  return {
    method: pick(random, METHODS),
    path: pick(random, [
      "/",
      "/v2/processes",
      "/v1//processes",
      "/v1/processes/svc/start/extra",
      "/%",
      "/v1/health/x",
    ]),
  };
}

const RAW = [
  "GARBAGE\r\n\r\n",
  "GET\r\n\r\n",
  "GET / HTTP/9.9\r\n\r\n",
  "POST /v1/shutdown HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
  "POST /v1/shutdown HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  `GET /v1/processes HTTP/1.1\r\nX: ${"y".repeat(100_000)}\r\n\r\n`,
  "\u0000\u0000\u0000\u0000",
  "POST /v1/processes/svc/stop HTTP/1.1\r\nContent-Length: 12\r\n\r\n{not json}}",
];

function rawRequest(socket: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(socket);
    let got = "";
    c.on("data", (d) => {
      got += d.toString("latin1");
    });
    c.on("error", () => resolve(got)); // a reset is an answer too
    c.on("close", () => resolve(got));
    c.write(text);
    c.end();
  });
}

const snapshot = async (d: TestDaemon) =>
  (await d.json<ProcessSnapshot[]>("GET", "/v1/processes")).map((p) => [p.name, p.state, p.pid, p.restarts]);

test("malformed and invalid requests: no 5xx, no crash, no state change", async () => {
  const requests = size(5000, 50_000);
  await using d = await new TestDaemon(
    `[processes.svc]\ncommand = ["${FIXTURES}/ready-then-sleep.sh"]\n`,
  ).start();
  await d.waitState("svc", "running");
  const before = await snapshot(d);
  const random = rng(1);
  const statuses = new Map<number, number>();
  const fiveXX: string[] = [];
  let raw = 0;
  for (let i = 0; i < requests; i++) {
    if (i % 10 === 0) {
      const text = pick(random, RAW);
      const answer = await rawRequest(d.socket, text);
      raw++;
      // HTTP/9.9 gets the protocol's own answer from the HTTP layer, 505, before any route.
      const versionRefused = text.startsWith("GET / HTTP/9.9") && answer.startsWith("HTTP/1.1 505 ");
      if (/^HTTP\/1\.1 5\d\d/.test(answer) && !versionRefused) fiveXX.push(`raw: ${answer.slice(0, 80)}`);
      continue;
    }
    const r = invalidRequest(random);
    const res = await d.api(r.method, r.path, r.body);
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) fiveXX.push(`${r.method} ${r.path} ${r.body?.slice(0, 40) ?? ""}: ${res.status}`);
  }
  const after = await snapshot(d);
  const ok = [...statuses].filter(([s]) => s < 400).map(([s, n]) => `${s}×${n}`);
  reportFigures("API fuzzing", {
    requests,
    raw,
    fiveXX: fiveXX.length,
    stateChanges: JSON.stringify(before) === JSON.stringify(after) ? 0 : 1,
  });
  expect({
    fiveXX: fiveXX.slice(0, 5),
    accepted: ok,
    same: after,
    alive: (await d.api("GET", "/v1/health")).status,
  }).toEqual({
    fiveXX: [],
    accepted: [],
    same: before,
    alive: 200,
  });
}, 300_000);
