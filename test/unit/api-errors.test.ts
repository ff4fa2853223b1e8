import { describe, expect, test } from "bun:test";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";

// SPEC §5: bad input is a 4xx `{error: {code, message}}`, never a 5xx, and never changes state.
const SLEEPER = `${FIXTURES}/ready-then-sleep.sh`;
const PROCESSES = {
  sleeper: { command: [SLEEPER] },
  idle: { command: [SLEEPER], autostart: false },
};

async function harness(): Promise<InProcess> {
  const h = await InProcess.start(PROCESSES);
  await h.supervisor.add({ name: "extra", command: [SLEEPER], autostart: false });
  return h;
}

// What a refused request must leave exactly as it was.
function observable(h: InProcess) {
  return {
    processes: h.supervisor.list().map((p) => ({
      name: p.name,
      state: p.state,
      pid: p.pid,
      restarts: p.restarts,
      source: p.source,
    })),
    runtime: h.store.runtimeProcesses(),
    stored: h.store.counts(),
  };
}

interface Case {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  code: string;
}

const big = (pad: string) => ({ name: "big", command: [SLEEPER], autostart: false, env: { PAD: pad } });

const CASES: Case[] = [
  {
    what: "a body that is not JSON",
    method: "POST",
    path: "/v1/processes",
    body: "{not json",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a JSON null body",
    method: "POST",
    path: "/v1/processes",
    body: "null",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a JSON array body",
    method: "POST",
    path: "/v1/processes",
    body: "[]",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a process without a name",
    method: "POST",
    path: "/v1/processes",
    body: { command: ["x"] },
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a process with an invalid key",
    method: "POST",
    path: "/v1/processes",
    body: { name: "new", command: [SLEEPER], restart: "sometimes", bogus: 1 },
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a GET of an unknown process",
    method: "GET",
    path: "/v1/processes/nope",
    status: 404,
    code: "PROCESS_NOT_FOUND",
  },
  {
    what: "a start of an unknown process",
    method: "POST",
    path: "/v1/processes/nope/start",
    status: 404,
    code: "PROCESS_NOT_FOUND",
  },
  {
    what: "a stop of an unknown process",
    method: "POST",
    path: "/v1/processes/nope/stop",
    status: 404,
    code: "PROCESS_NOT_FOUND",
  },
  {
    what: "a DELETE of an unknown process",
    method: "DELETE",
    path: "/v1/processes/nope",
    status: 404,
    code: "PROCESS_NOT_FOUND",
  },
  {
    what: "the history of an unknown process",
    method: "GET",
    path: "/v1/processes/nope/history",
    status: 404,
    code: "PROCESS_NOT_FOUND",
  },
  {
    what: "an unknown signal",
    method: "POST",
    path: "/v1/processes/sleeper/signal",
    body: { signal: "SIGNOPE" },
    status: 400,
    code: "BAD_SIGNAL",
  },
  {
    what: "a signal body that is not JSON",
    method: "POST",
    path: "/v1/processes/sleeper/signal",
    body: "{",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a signal body with an unknown key",
    method: "POST",
    path: "/v1/processes/sleeper/signal",
    body: { signal: "SIGCONT", also: 1 },
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a signal body without a signal",
    method: "POST",
    path: "/v1/processes/sleeper/signal",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a valid signal to a process that is not running",
    method: "POST",
    path: "/v1/processes/idle/signal",
    body: { signal: "SIGHUP" },
    status: 409,
    code: "INVALID_STATE",
  },
  {
    what: "a pause of a stopped process",
    method: "POST",
    path: "/v1/processes/idle/pause",
    status: 409,
    code: "INVALID_STATE",
  },
  {
    what: "a resume of a running process",
    method: "POST",
    path: "/v1/processes/sleeper/resume",
    status: 409,
    code: "INVALID_STATE",
  },
  {
    what: "a body over 64 KiB",
    method: "POST",
    path: "/v1/processes",
    body: big("x".repeat(70_000)),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    // 40 000 × "é" is 80 000 bytes of UTF-8 but 40 000 UTF-16 units.
    what: "a body over 64 KiB of multi-byte characters",
    method: "POST",
    path: "/v1/processes",
    body: big("é".repeat(40_000)),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    what: "a name with ../ in the path",
    method: "GET",
    path: "/v1/processes/..%2Fx",
    status: 400,
    code: "BAD_NAME",
  },
  {
    what: "a start of a name with ../",
    method: "POST",
    path: "/v1/processes/..%2Fetc/start",
    status: 400,
    code: "BAD_NAME",
  },
  {
    what: "a DELETE of a name with ../",
    method: "DELETE",
    path: "/v1/processes/..%2F..%2Fx",
    status: 400,
    code: "BAD_NAME",
  },
  {
    what: "an add with a name with ../",
    method: "POST",
    path: "/v1/processes",
    body: { name: "../x", command: [SLEEPER] },
    status: 400,
    code: "BAD_NAME",
  },
  {
    what: "an add with a name with a slash",
    method: "POST",
    path: "/v1/processes",
    body: { name: "a/b", command: [SLEEPER] },
    status: 400,
    code: "BAD_NAME",
  },
  { what: "an unknown route", method: "GET", path: "/v1/nope", status: 404, code: "NOT_FOUND" },
  {
    what: "an unknown method on a known path",
    method: "PUT",
    path: "/v1/processes",
    status: 404,
    code: "NOT_FOUND",
  },
  {
    what: "an unknown verb on a process",
    method: "POST",
    path: "/v1/processes/sleeper/explode",
    status: 404,
    code: "NOT_FOUND",
  },
  {
    what: "an unknown query parameter on events",
    method: "GET",
    path: "/v1/events?bogus=1",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "an unknown query parameter on history",
    method: "GET",
    path: "/v1/processes/sleeper/history?bogus=1",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a bad lines value",
    method: "GET",
    path: "/v1/processes/sleeper/history?lines=0",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a bad follow value",
    method: "GET",
    path: "/v1/events?follow=maybe",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    what: "a DELETE of a process from the config",
    method: "DELETE",
    path: "/v1/processes/sleeper",
    status: 409,
    code: "PROCESS_FROM_CONFIG",
  },
  {
    what: "an add duplicating a config process",
    method: "POST",
    path: "/v1/processes",
    body: { name: "sleeper", command: [SLEEPER] },
    status: 409,
    code: "PROCESS_EXISTS",
  },
  {
    what: "an add duplicating a run-time process",
    method: "POST",
    path: "/v1/processes",
    body: { name: "extra", command: [SLEEPER, "other"] },
    status: 409,
    code: "PROCESS_EXISTS",
  },
  {
    what: "a reload body with an unknown key",
    method: "POST",
    path: "/v1/reload",
    body: { dry: true },
    status: 400,
    code: "BAD_REQUEST",
  },
];

describe("refused requests change nothing", () => {
  test.each(CASES)("$what → $status $code", async (c) => {
    await using h = await harness();
    const before = observable(h);
    const res = await h.request(c.method, c.path, c.body);
    const error = (res.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    expect({
      status: res.status,
      code: error?.code,
      hasMessage: typeof error?.message === "string" && error.message.length > 0,
      after: observable(h),
    }).toEqual({ status: c.status, code: c.code, hasMessage: true, after: before });
  });
});
