import { describe, expect, test } from "bun:test";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";
import { CASES } from "./api-errors-cases.ts";

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
