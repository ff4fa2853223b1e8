import { expect, test } from "bun:test";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";

// Regression: an event subscriber that threw once was dropped forever, without a word (an alert
// rule or a follower would silently stop). It stays subscribed, and its failure is reported.
test("a subscriber that throws keeps receiving events, and its failure is reported", async () => {
  const reports: string[] = [];
  await using h = await InProcess.start(
    { svc: { command: [`${FIXTURES}/ready-then-sleep.sh`], autostart: false } },
    { report: (m) => reports.push(m) },
  );
  const seen: string[] = [];
  h.supervisor.subscribe((e) => {
    seen.push(e.type);
    throw new Error("subscriber broke");
  });
  expect((await h.request("POST", "/v1/processes/svc/start")).status).toBe(200);
  const afterStart = seen.length;
  expect((await h.request("POST", "/v1/processes/svc/stop")).status).toBe(200);
  expect({
    stillCalled: seen.length > afterStart && seen.includes("process.stopped"),
    reported: reports.filter((r) => r.includes("subscriber broke")).length,
  }).toEqual({ stillCalled: true, reported: 1 });
});
