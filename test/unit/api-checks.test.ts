import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import { readBody } from "../../src/api/body.ts";
import * as checks from "../../src/api/checks.ts";
import { parseQuery } from "../../src/api/query.ts";
import * as schemas from "../../src/api/schemas.ts";
import { issuesFromZod } from "../../src/config/issues.ts";
import { TendError } from "../../src/errors.ts";

// The routes check bodies and queries by hand (checks.ts) so the supervisor never loads zod;
// they must answer as the zod schemas in schemas.ts do: same data, same issues, same words.
// Each check beside the zod schema it stands in for.
const PAIRS = {
  emptyBody: [checks.emptyBody, schemas.emptyBody],
  signalBody: [checks.signalBody, schemas.signalBody],
  scaleBody: [checks.scaleBody, schemas.scaleBody],
  reloadBody: [checks.reloadBody, schemas.reloadBody],
  addBody: [checks.addBody, schemas.addBody],
  progressBody: [checks.progressBody, schemas.progressBody],
  stopBody: [checks.stopBody, schemas.stopBody],
  setBody: [checks.setBody, schemas.setBody],
  eventsQuery: [checks.eventsQuery, schemas.eventsQuery],
  historyQuery: [checks.historyQuery, schemas.historyQuery],
  logsQuery: [checks.logsQuery, schemas.logsQuery],
  probeScheduleQuery: [checks.probeScheduleQuery, schemas.probeScheduleQuery],
} as const;
type Name = keyof typeof PAIRS;

const BODIES: [Name, unknown[]][] = [
  ["stopBody", [{}, { force: true }, { force: false }, { force: "yes" }, { force: 1, x: 2 }, null, []]],
  [
    "setBody",
    [
      {},
      { restart: "never" },
      { restart: "sometimes" },
      { restart: 1 },
      { max_restarts: 3 },
      { max_restarts: -1 },
      { max_restarts: 2.5 },
      { max_restarts: "3" },
      { max_restarts: Number.NaN },
      { max_memory: 1024 },
      { max_memory: null },
      { max_memory: 0 },
      { max_memory: "512MiB" },
      { max_memory: "lots" },
      { max_memory: true },
      { max_memory: 1e300 },
      { max_restarts: 2 ** 60 },
      { clear: true },
      { clear: "yes" },
      { restart: "always", max_restarts: 1, max_memory: 2048, clear: false },
      { restart: "x", max_restarts: -2, bogus: 1 },
      null,
      [],
    ],
  ],
  ["emptyBody", [{}, { bogus: true }, null, [], "x", 1]],
  [
    "signalBody",
    [
      { signal: "SIGHUP" },
      {},
      { signal: "" },
      { signal: 1 },
      { signal: null },
      { signal: "X", also: 1, b: 2 },
      { also: 1 },
      { signal: ["SIGHUP"], z: 1 },
      { "a b": 1, 'q"': 2, 10: 3, 2: 4 },
      null,
      [],
      "SIGHUP",
      7,
      true,
    ],
  ],
  [
    "scaleBody",
    [
      { instances: 3 },
      { instances: 0 },
      { instances: -1 },
      { instances: 2.5 },
      { instances: 1001 },
      { instances: "3" },
      {},
      { instances: 2, x: 1 },
      null,
      [],
    ],
  ],
  [
    "reloadBody",
    [{}, { dry_run: true }, { dry_run: false }, { dry_run: "yes" }, { dry_run: null }, { dry: true }, []],
  ],
  [
    "addBody",
    [
      { name: "x", command: ["a"], env: { A: "1" } },
      { name: "x" },
      {},
      { name: 1, x: 2 },
      { name: null },
      null,
      [],
      "x",
      JSON.parse('{"name":"x","__proto__":{"polluted":1},"command":["a"]}'),
    ],
  ],
  [
    "progressBody",
    [
      { progress: 0 },
      { progress: 1 },
      { progress: 0.5, message: "halfway" },
      { progress: 1.5 },
      { progress: -0.1 },
      { progress: "half" },
      { message: "x" },
      { progress: 0.5, message: "x".repeat(500) },
      { progress: 0.5, message: "x".repeat(501) },
      { progress: Number.NaN },
      { progress: Number.POSITIVE_INFINITY },
      { progress: Number.NEGATIVE_INFINITY },
      { progress: null },
      { progress: 2, message: 3, z: 1 },
      { progress: 0.5, message: null },
      null,
    ],
  ],
];

const QUERIES: [Name, Record<string, string>[]][] = [
  [
    "eventsQuery",
    [
      {},
      { follow: "1" },
      { follow: "0" },
      { follow: "true" },
      { follow: "false" },
      { follow: "maybe" },
      { follow: "" },
      { bogus: "1" },
      { bogus: "1", x: "2" },
      { lines: "0" },
      { lines: "1" },
      { lines: "10000" },
      { lines: "10001" },
      { lines: "x" },
      { lines: "" },
      { lines: "-1" },
      { lines: "1.5" },
      { lines: "007" },
      { lines: "99999999999999999999999" },
      { after: "x" },
      { after: "0" },
      { after: "5", follow: "true", process: "a", type: "b", lines: "3" },
      { process: "", type: "" },
      { lines: "x", follow: "2", after: "y", bogus: "z" },
    ],
  ],
  ["historyQuery", [{}, { lines: "" }, { lines: "01" }, { lines: "0" }, { lines: "50" }, { n: "5" }]],
  [
    "logsQuery",
    [
      {},
      { lines: "0" },
      { lines: "100000" },
      { lines: "100001" },
      { lines: "a" },
      { follow: "1", stream: "stdout" },
      { follow: "0", stream: "stderr" },
      { stream: "x", follow: "2", lines: "a" },
      { stream: "" },
      { lines: "5", tail: "1" },
    ],
  ],
  [
    "probeScheduleQuery",
    [
      {},
      { window: "30s" },
      { window: "1m" },
      { window: "250ms" },
      { window: "x" },
      { window: "" },
      { w: "1" },
    ],
  ],
];

// What both report, in zod's terms.
function outcome(result: { success: boolean; data?: unknown; error?: { issues: readonly object[] } }) {
  if (result.success) return { data: result.data };
  return {
    issues: (result.error?.issues ?? []).map((i) => {
      const { code, path, message, keys } = i as {
        code: string;
        path: unknown[];
        message: string;
        keys?: string[];
      };
      return keys === undefined ? { code, path, message } : { code, path, message, keys };
    }),
  };
}

function zodSchema(name: Name): z.ZodType {
  return PAIRS[name][1] as unknown as z.ZodType;
}

function check(name: Name): checks.Check<unknown> {
  return PAIRS[name][0] as checks.Check<unknown>;
}

const cases = [...BODIES, ...QUERIES].flatMap(([name, inputs]) =>
  inputs.map((input, i) => ({ name, i, input })),
);

describe("the hand-written API checks answer as the zod schemas do", () => {
  test.each(cases)("$name #$i", ({ name, input }) => {
    expect(outcome(check(name).safeParse(input))).toEqual(outcome(zodSchema(name).safeParse(input)));
  });

  test("every zod schema the API had has its hand-written check, and cases", () => {
    const zodNames = Object.keys(schemas).filter((k) => k.endsWith("Body") || k.endsWith("Query"));
    expect(Object.keys(PAIRS).sort()).toEqual(zodNames.sort());
    expect(new Set<string>(cases.map((c) => c.name))).toEqual(new Set(Object.keys(PAIRS)));
  });
});

async function refusal(run: () => Promise<unknown> | unknown) {
  try {
    await run();
  } catch (err) {
    if (err instanceof TendError) return { code: err.code, message: err.message, details: err.details };
    throw err;
  }
  return null;
}

function post(body: unknown): Request {
  return new Request("http://x/", { method: "POST", body: JSON.stringify(body) });
}

describe("errors read as they did when zod checked the requests", () => {
  test.each(BODIES.flatMap(([name, inputs]) => inputs.map((input) => ({ name, input }))))(
    "body $name",
    async ({ name, input }) => {
      const got = await refusal(() => readBody(post(input), check(name)));
      // What the body carries: JSON has no NaN or Infinity.
      const parsed = zodSchema(name).safeParse(JSON.parse(JSON.stringify(input)));
      if (parsed.success) return expect(got).toBeNull();
      const issues = issuesFromZod(parsed.error);
      expect(got).toEqual({
        code: "BAD_REQUEST",
        message: issues.map((i) => `${i.path}: ${i.message}`).join("; "),
        details: { issues },
      });
    },
  );

  test.each(QUERIES.flatMap(([name, inputs]) => inputs.map((input) => ({ name, input }))))(
    "query $name",
    async ({ name, input }) => {
      const request = new Request(`http://x/?${new URLSearchParams(input)}`);
      const got = await refusal(() => parseQuery(request, check(name)));
      const parsed = zodSchema(name).safeParse(input);
      if (parsed.success) return expect(got).toBeNull();
      const text = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
      expect(got).toEqual({ code: "BAD_REQUEST", message: `bad query: ${text}`, details: undefined });
    },
  );
});
