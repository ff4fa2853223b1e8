import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ProcessSnapshot } from "../../src/domain/types.ts";
import { FIXTURES, TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { Tmux } from "../helpers/tmux.ts";
import { waitFor } from "../helpers/wait.ts";

const READY = join(FIXTURES, "ready-then-sleep.sh");

const row = (screen: string[], name: string) => screen.find((l) => l.startsWith(`${name} `)) ?? "";

// Needs tmux (CI installs it): a real terminal, not a mock of one. Every wait is on what the
// screen or the supervisor shows; the deadlines are long because starting `tend top` from the
// sources on a loaded machine can take seconds, and a deadline is no claim about speed.
const LONG = { timeoutMs: 30_000 };
describe("tend top in a real 80x24 terminal", () => {
  test("shows the processes, r restarts the selected one, q exits 0 and restores the terminal", async () => {
    await using d = await new TestDaemon(
      `[processes.alpha]\ncommand = ["${READY}"]\n[processes.beta]\ncommand = ["${READY}"]\n`,
      'metrics_interval = "200ms"',
    ).start();
    using tmux = new Tmux({ NO_COLOR: "1" }).start(80, 24);
    const before = await d.json<ProcessSnapshot[]>("GET", "/v1/processes");
    const pid = (name: string) => before.find((p) => p.name === name)?.pid;
    const cmd = TEND_CMD.map((a) => `'${a}'`).join(" ");
    tmux.type(`TEND_SOCKET='${d.socket}' ${cmd} top; echo "top-exited-$?"`);

    const screen = await waitFor(
      "the table with alpha and beta running",
      () => {
        const s = tmux.screen();
        return row(s, "alpha").includes("running") && row(s, "beta").includes("running") ? s : null;
      },
      LONG,
    );
    expect({
      alternate: tmux.pane("alternate_on"),
      size: `${tmux.pane("pane_width")}x${tmux.pane("pane_height")}`,
      rows: screen.length,
      widest: Math.max(...screen.map((l) => l.length)) <= 80,
      header: screen.some((l) => /^NAME.*STATE.*HEALTH.*PID.*CPU.*MEM.*RESTARTS.*UPTIME/.test(l)),
    }).toEqual({ alternate: "1", size: "80x24", rows: 24, widest: true, header: true });

    // j selects the second row (beta: rows sort by name), r restarts it.
    tmux.keys("j", "r");
    const after = await waitFor(
      "beta to run with a new pid",
      async () => {
        const b = await d.process("beta");
        return b.state === "running" && b.pid !== pid("beta") && b.pid !== null ? b : null;
      },
      LONG,
    );
    expect({ alpha: (await d.process("alpha")).pid, betaRestarts: after.restarts }).toEqual({
      alpha: pid("alpha") as number,
      betaRestarts: 1,
    });
    await waitFor(
      "top to show beta's new pid",
      () => row(tmux.screen(), "beta").includes(String(after.pid)),
      LONG,
    );

    tmux.keys("q");
    const shell = await waitFor(
      "the shell again, with top's exit code",
      () => {
        const s = tmux.screen();
        return s.includes("top-exited-0") && tmux.pane("alternate_on") === "0" ? s : null;
      },
      LONG,
    );
    // The screen from before top is back (alternate screen left), the cursor is visible again,
    // and the terminal is out of raw mode (canonical input).
    expect(shell[0]).toContain("TEND_SOCKET=");
    expect(tmux.pane("cursor_flag")).toBe("1");
    tmux.type("stty -a | grep -q -- -icanon && echo RAW-MODE || echo COOKED-MODE");
    await waitFor("stty to report canonical mode", () => tmux.screen().includes("COOKED-MODE"), LONG);
  }, 120_000);

  test("Ctrl-C quits and restores the terminal too", async () => {
    await using d = await new TestDaemon(`[processes.alpha]\ncommand = ["${READY}"]\n`).start();
    using tmux = new Tmux().start(80, 24);
    const cmd = TEND_CMD.map((a) => `'${a}'`).join(" ");
    tmux.type(`TEND_SOCKET='${d.socket}' ${cmd} top; echo "top-exited-$?"`);
    await waitFor("the table", () => row(tmux.screen(), "alpha").includes("running"), LONG);
    tmux.keys("C-c");
    await waitFor("the shell again", () => tmux.screen().includes("top-exited-0"), LONG);
    expect({ alternate: tmux.pane("alternate_on"), cursor: tmux.pane("cursor_flag") }).toEqual({
      alternate: "0",
      cursor: "1",
    });
  }, 90_000);
});
