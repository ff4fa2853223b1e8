import { BenchDaemon, idleProcessesToml } from "../daemon.ts";
import { fmt } from "../stats.ts";
import type { Measurement } from "../types.ts";

const PROCESSES = 100;
const BROWSERS = 5;
const WINDOW_S = 30;
const TARGET_CPU_PERCENT = 2;
const TOKEN = "bench-dashboard-token-0123456789";

// What a dashboard page keeps open: the event stream and the samples stream (its sparklines),
// through the dashboard's listener with the token. Five of them against 100 idle processes at
// the default metrics_interval: the supervisor's CPU over the window, against the same window
// with no page open (where the dashboard runs no timer at all).
export const dashboardLoad: Measurement = {
  id: "dashboard-load",
  async run(ctx) {
    const windowS = ctx.quick ? 10 : WINDOW_S;
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const d = new BenchDaemon(ctx.bin, ctx.tmpRoot).configure(
      idleProcessesToml(PROCESSES),
      `dashboard_listen = "127.0.0.1:${port}"\ndashboard_token = "${TOKEN}"`,
    );
    const streams: AbortController[] = [];
    try {
      await d.start();
      await d.waitRunning(PROCESSES, 120_000);
      await Bun.sleep(2000); // let start-up work drain before the window opens
      const idle = await d.cpuPercentOver(windowS * 1000);
      let received = 0;
      for (let i = 0; i < BROWSERS; i++)
        for (const path of ["/v1/events?follow=true", "/v1/samples?follow=true"]) {
          const ac = new AbortController();
          streams.push(ac);
          const res = await fetch(`http://127.0.0.1:${port}${path}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
            signal: ac.signal,
          });
          if (res.status !== 200) throw new Error(`${path} through the dashboard answered ${res.status}`);
          void (async () => {
            try {
              for await (const chunk of res.body as ReadableStream<Uint8Array>) received += chunk.length;
            } catch {
              // Aborted at the end of the measurement: the stream is done.
            }
          })();
        }
      const watched = await d.cpuPercentOver(windowS * 1000);
      ctx.log(
        `dashboard load: ${PROCESSES} processes; cpu ${fmt(idle)}% with no page, ${fmt(watched)}% with ${BROWSERS} pages (${received} bytes streamed)`,
      );
      return [
        {
          metric: `Supervisor CPU, ${PROCESSES} idle processes, ${BROWSERS} dashboard pages open (events and samples streams; ${windowS} s, % of one core)`,
          result: `${fmt(watched)}% (no page open: ${fmt(idle)}%)`,
          target: `< ${TARGET_CPU_PERCENT}%`,
          met: watched < TARGET_CPU_PERCENT,
        },
      ];
    } finally {
      for (const ac of streams) ac.abort();
      for (const p of await d.stop()) ctx.problem(`dashboard load: ${p}`);
    }
  },
};
