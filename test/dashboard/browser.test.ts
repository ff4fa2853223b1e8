import { expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { FIXTURES } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";
import { type DashboardDaemon, dashboardDaemon, runningPid, SLEEPER } from "./dashboard-daemon.ts";

// The dashboard in a real headless Chromium (Debian's chromium, driven by puppeteer-core): the
// page a browser gets from a running config, its restart button, its timeline and its log view.
// TEND_DASHBOARD_SCREENSHOT=docs/dashboard.png keeps the page's picture for the README.

const CHROMIUM = Bun.which("chromium") ?? Bun.which("chromium-browser");

const CONFIG = [
  `[processes.db]\ncommand = ["${SLEEPER}"]\nreadiness = { type = "log", pattern = "ready" }`,
  `[processes.api]\ncommand = ["${FIXTURES}/print-on-usr1.sh"]\ndepends_on = { db = "healthy" }`,
  `[processes.web]\ncommand = ["${SLEEPER}"]\ninstances = 2\ndepends_on = { api = "started" }`,
  `[processes.crasher]\ncommand = ["${FIXTURES}/exit-with.sh", "3"]\nautostart = false\nrestart = "never"`,
].join("\n\n");

async function open(dd: DashboardDaemon): Promise<{ browser: Browser; page: Page; problems: string[] }> {
  if (!CHROMIUM) throw new Error("no chromium on PATH: apt-get install chromium (.ci/run installs it)");
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless=new", "--disable-gpu"],
    pipe: true,
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  await page.goto(await dd.login());
  return { browser, page, problems };
}

const text = (page: Page, selector: string) =>
  page.$eval(selector, (e) => e.textContent ?? "").catch(() => null);

test("the page lists the processes; restart gives a new pid; a crash reaches the timeline; logs follow", async () => {
  await using dd = await dashboardDaemon(CONFIG, `metrics_interval = "500ms"`);
  await runningPid(dd, "web:1");
  const { browser, page, problems } = await open(dd);
  try {
    // Every process of the config, replicas grouped under their name.
    await page.waitForSelector('tr[data-process="web:1"]');
    const rows = await page.$$eval("#processes tbody tr", (trs) =>
      trs.map((tr) => tr.getAttribute("data-process") ?? `group ${tr.getAttribute("data-group")}`),
    );
    expect(rows).toEqual(["db", "api", "group web", "web:0", "web:1", "crasher"]);

    // Restart from the page: the new pid is what the page shows.
    const before = await runningPid(dd, "api");
    expect(await text(page, 'tr[data-process="api"] td[data-field="pid"]')).toBe(String(before));
    await page.click('tr[data-process="api"] button[data-action="restart"]');
    const after = await waitFor("api restarted with a new pid", async () => {
      const pid = await dd.pid("api");
      return pid !== null && pid !== before ? pid : null;
    });
    await waitFor(
      `the page to show api's new pid ${after}`,
      async () => (await text(page, 'tr[data-process="api"] td[data-field="pid"]')) === String(after),
    );

    // A crash: its run.exited arrives in the timeline by the event stream.
    expect((await dd.d.api("POST", "/v1/processes/crasher/start")).status).toBe(200);
    const crashed = 'li[data-event-type="run.exited"][data-event-process="crasher"]';
    await page.waitForSelector(crashed, { timeout: 10_000 });
    expect(await text(page, crashed)).toContain("(crashed)");

    // The log view follows: a line api writes after the view opened shows up in it.
    await page.click('tr[data-process="api"] button[data-action="logs"]');
    await page.waitForSelector("#log-lines .line");
    const count = () =>
      page.$$eval(
        "#log-lines .line",
        (ls) => ls.filter((l) => l.textContent === "accepting connections").length,
      );
    const seen = await count();
    expect((await dd.d.api("POST", "/v1/processes/api/signal", { signal: "SIGUSR1" })).status).toBe(200);
    await waitFor("the line api wrote to appear in the log view", async () => (await count()) > seen);

    // Sparklines: samples arrive while the page is open.
    await waitFor("a sparkline with two samples", async () =>
      page.$$eval("svg.spark polyline", (ls) =>
        ls.some((l) => (l.getAttribute("points") ?? "").split(" ").length >= 2),
      ),
    );
    const shot = join(dd.d.dir.path, "dashboard.png");
    await page.screenshot({ path: shot });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
    if (process.env.TEND_DASHBOARD_SCREENSHOT) copyFileSync(shot, process.env.TEND_DASHBOARD_SCREENSHOT);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
}, 60_000);

test("an action the API refuses shows its error; read-only pages have no actions", async () => {
  await using dd = await dashboardDaemon(CONFIG);
  await runningPid(dd, "db");
  const { browser, page } = await open(dd);
  try {
    await page.waitForSelector('tr[data-process="web:0"] button[data-action="scale"]');
    // Scale to 0 copies: the API refuses, and the page says what the API said.
    page.on("dialog", (dialog) => void dialog.accept("0"));
    await page.click('tr[data-process="web:0"] button[data-action="scale"]');
    await page.waitForSelector(".toast.err");
    expect(await text(page, ".toast.err")).toBe(
      "scale web: BAD_REQUEST: instances: expected a whole number of copies from 1 to 1000",
    );
  } finally {
    await browser.close();
  }
  await using ro = await dashboardDaemon(CONFIG, "dashboard_read_only = true");
  const view = await open(ro);
  try {
    await view.page.waitForSelector('tr[data-process="db"]');
    const actions = await view.page.$$eval("button[data-action]", (bs) =>
      bs.map((b) => b.getAttribute("data-action")),
    );
    expect(new Set(actions)).toEqual(new Set(["logs"]));
  } finally {
    await view.browser.close();
  }
}, 60_000);
