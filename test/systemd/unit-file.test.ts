import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { longestStopChainMs } from "../../src/systemd/stop-budget.ts";
import { quoteArg, renderUnit, type UnitInput } from "../../src/systemd/unit-file.ts";
import { TEND_CMD } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/temp.ts";

// The unit's [Section] Key=value lines, comments left out; repeated keys keep every value.
function directives(unit: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = [...(out[m[1] as string] ?? []), m[2] as string];
  }
  return out;
}

async function tend(...args: string[]) {
  const p = Bun.spawn([...TEND_CMD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

// systemd-analyze verify exits 0 on unknown keys and bad values too; they show up as lines that
// name the unit file, so those must be absent as well.
async function verify(unit: string, dir: string) {
  const file = join(dir, `tend-test-${Math.random().toString(36).slice(2, 8)}.service`);
  writeFileSync(file, unit);
  const analyze = Bun.which("systemd-analyze");
  if (!analyze) throw new Error("systemd-analyze is not installed (apt-get install systemd)");
  const p = Bun.spawn([analyze, "verify", file], { stdio: ["ignore", "pipe", "pipe"] });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  const complaints = `${out}\n${err}`.split("\n").filter((l) => l.includes(basename(file)));
  return { code, complaints };
}

describe("tend systemd-unit", () => {
  test("systemd-analyze verify accepts the unit for a config with its own paths", async () => {
    using dir = tempDir();
    const config = join(dir.path, "tend.toml");
    writeFileSync(
      config,
      `[supervisor]\nsocket = "/run/tend-test/ctl.sock"\nstate_dir = "/srv/tend"\nlog_dir = "/var/log/tend/apps"\n\n` +
        `[processes.slow]\ncommand = ["sleep", "1"]\nstop_timeout = "45s"\n\n` +
        `[processes.api]\ncommand = ["true"]\nstop_timeout = "20s"\ndepends_on = { slow = "started" }\n\n` +
        `[processes.lone]\ncommand = ["true"]\nstop_timeout = "50s"\n`,
    );
    const { stdout, stderr, code } = await tend("systemd-unit", "-c", config);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(await verify(stdout, dir.path)).toEqual({ code: 0, complaints: [] });
    const d = directives(stdout);
    const self = TEND_CMD.join(" ");
    expect(d).toMatchObject({
      Type: ["notify"],
      NotifyAccess: ["main"],
      ExecStart: [`${self} up -c ${config}`],
      ExecReload: [`${self} reload --socket /run/tend-test/ctl.sock`],
      KillMode: ["mixed"],
      Delegate: ["yes"],
      TimeoutStopSec: ["75s"], // api stops (20s), then slow (45s), plus the margin
      Restart: ["on-failure"],
      WatchdogSec: ["30s"],
      RuntimeDirectory: ["tend-test"],
      LogsDirectory: ["tend/apps"],
      WantedBy: ["multi-user.target"],
    });
    expect(d.StateDirectory).toBeUndefined(); // /srv/tend is not under /var/lib
    expect(d.NoNewPrivileges).toBeUndefined(); // supervised setuid programs must keep working
    expect(stdout).toContain("# /srv/tend is outside /var/lib: tend creates it itself.");
  });

  test("the defaults as root: /run/tend, /var/lib/tend, /var/log/tend; a missing config is said so", async () => {
    using dir = tempDir();
    const config = join(dir.path, "not-yet.toml");
    const { stdout, stderr, code } = await tend("systemd-unit", "-c", config);
    expect(code).toBe(0);
    expect(stderr).toContain("does not exist yet");
    expect(await verify(stdout, dir.path)).toEqual({ code: 0, complaints: [] });
    expect(directives(stdout)).toMatchObject({
      ExecReload: [`${TEND_CMD.join(" ")} reload --socket /run/tend/tend.sock`],
      TimeoutStopSec: ["20s"],
      RuntimeDirectory: ["tend"],
      StateDirectory: ["tend"],
      LogsDirectory: ["tend"],
    });
  });

  test("an invalid config: exit 1 listing every error, no unit", async () => {
    using dir = tempDir();
    const config = join(dir.path, "tend.toml");
    writeFileSync(config, `[processes.x]\ncommand = []\nstop_timeout = "later"\n`);
    const { stdout, stderr, code } = await tend("systemd-unit", "-c", config);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toContain("processes.x.command");
    expect(stderr).toContain("processes.x.stop_timeout");
  });
});

const BASE: UnitInput = {
  exec: ["/usr/local/bin/tend"],
  fromSources: false,
  configPath: "/etc/tend/tend.toml",
  configFound: true,
  environment: null,
  socketPath: "/run/tend/tend.sock",
  socketGroup: null,
  stateDir: "/var/lib/tend",
  logDir: "/var/log/tend",
  stopBudgetMs: 10_000,
  mode: "system",
  runtimeBase: "/run",
  version: "0.0.0",
};

describe("longestStopChainMs", () => {
  const p = (name: string, stopTimeoutMs: number, ...deps: string[]) => ({
    name,
    stopTimeoutMs,
    dependsOn: deps.map((d) => ({ name: d, condition: "started" as const })),
  });
  test.each([
    ["no processes", [], 0],
    ["independent ones stop in parallel", [p("a", 10), p("b", 30)], 30],
    ["a chain adds up", [p("db", 10), p("api", 5, "db"), p("web", 7, "api")], 22],
    ["the longest of two branches", [p("db", 10), p("api", 5, "db"), p("worker", 50, "db")], 60],
    ["a cycle does not loop", [p("a", 10, "b"), p("b", 20, "a")], 30],
  ])("%s", (_what, processes, ms) => {
    expect(longestStopChainMs(processes)).toBe(ms);
  });
});

describe("renderUnit", () => {
  test("--user: default.target, no network target, no sandboxing, RuntimeDirectory under XDG_RUNTIME_DIR", () => {
    const unit = renderUnit({
      ...BASE,
      mode: "user",
      runtimeBase: "/run/user/1000",
      socketPath: "/run/user/1000/tend/tend.sock",
      stateDir: "/home/u/.local/state/tend",
      logDir: "/home/u/.local/state/tend/logs",
    });
    const d = directives(unit);
    expect({
      WantedBy: d.WantedBy,
      After: d.After,
      RuntimeDirectory: d.RuntimeDirectory,
      StateDirectory: d.StateDirectory,
      LockPersonality: d.LockPersonality,
    }).toEqual({
      WantedBy: ["default.target"],
      After: undefined,
      RuntimeDirectory: ["tend"],
      StateDirectory: undefined,
      LockPersonality: undefined,
    });
  });

  test("socket_group opens the runtime directory so the group can reach the socket", () => {
    expect(directives(renderUnit({ ...BASE, socketGroup: "ops" })).RuntimeDirectoryMode).toEqual(["0755"]);
    expect(directives(renderUnit(BASE)).RuntimeDirectoryMode).toEqual(["0700"]);
  });

  test("from sources, the unit says so and still runs Bun on main.ts", () => {
    const unit = renderUnit({ ...BASE, exec: ["/opt/bun", "/src/tend/src/main.ts"], fromSources: true });
    expect(unit).toContain("# Generated from sources");
    expect(directives(unit).ExecStart).toEqual(["/opt/bun /src/tend/src/main.ts up -c /etc/tend/tend.toml"]);
    expect(directives(renderUnit({ ...BASE, environment: "production" })).ExecStart).toEqual([
      "/usr/local/bin/tend up -c /etc/tend/tend.toml --env production",
    ]);
  });

  test.each([
    ["/usr/bin/tend", "/usr/bin/tend"],
    ["/opt/my tend/tend", '"/opt/my tend/tend"'],
    ["/srv/100%/x", "/srv/100%%/x"],
    ["/srv/$HOME", "/srv/$$HOME"],
    ['/a"b\\c', '"/a\\"b\\\\c"'],
    [";", '";"'],
  ])("quoteArg(%p) is %p", (arg, quoted) => {
    expect(quoteArg(arg)).toBe(quoted);
  });
});
