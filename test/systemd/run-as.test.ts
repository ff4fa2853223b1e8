// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the syntax under test, not a template.
import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { groupProblem, userProblem } from "../../src/config/run-as-check.ts";
import { findGroup, findUser } from "../../src/proc/accounts.ts";
import { commandAs, SETPRIV } from "../../src/proc/run-as.ts";
import { TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { processesWithEnv } from "../helpers/pids.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const isRoot = process.geteuid?.() === 0;
const nobody = findUser("nobody");

// The Uid/Gid/Groups lines of /proc/PID/status: real, effective, saved, filesystem ids.
function ids(pid: number): Record<string, string> {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const pick = (key: string) =>
    /^(?:\S+):\s*(.*)$/.exec(status.split("\n").find((l) => l.startsWith(`${key}:`)) ?? "")?.[1]?.trim() ??
    "";
  return { Uid: pick("Uid"), Gid: pick("Gid"), Groups: pick("Groups") };
}

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nsvc:x:998:997:Service:/var/lib/svc:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\nsvc:x:997:\nwww:x:33:svc\n";

describe("user and group checks at load time", () => {
  test.each([
    ["svc as root", () => userProblem("svc", { euid: 0, passwd: PASSWD }), null],
    ["998 as root", () => userProblem("998", { euid: 0, passwd: PASSWD }), null],
    ["unknown user", () => userProblem("nope", { euid: 0, passwd: PASSWD }), 'no user "nope" in /etc/passwd'],
    [
      "not root",
      () => userProblem("svc", { euid: 1000, passwd: PASSWD }),
      "`user` needs tend to run as root (it runs as uid 1000); remove it or start tend as root",
    ],
    ["www as root", () => groupProblem("www", { euid: 0, group: GROUP }), null],
    ["a bare gid", () => groupProblem("4242", { euid: 0, group: GROUP }), null],
    ["unknown group", () => groupProblem("nope", { euid: 0, group: GROUP }), 'no group "nope" in /etc/group'],
    [
      "group, not root",
      () => groupProblem("www", { euid: 1000, group: GROUP }),
      "`group` needs tend to run as root (it runs as uid 1000); remove it or start tend as root",
    ],
  ])("%s", (_what, check, problem) => {
    expect(check()).toBe(problem);
  });

  test("accounts: names and ids", () => {
    const svc = { name: "svc", uid: 998, gid: 997, home: "/var/lib/svc" };
    expect({
      byName: findUser("svc", PASSWD),
      byUid: findUser("998", PASSWD),
      unknownUid: findUser("4242", PASSWD),
      groupByGid: findGroup("33", GROUP),
      bareGid: findGroup("4242", GROUP),
    }).toEqual({
      byName: svc,
      byUid: svc,
      unknownUid: null,
      groupByGid: { name: "www", gid: 33 },
      bareGid: { name: "4242", gid: 4242 },
    });
  });
});

describe("commandAs", () => {
  const account = { uid: 998, gid: 997, env: {} };
  test.each([
    [
      "setpriv: supplementary groups of the user",
      account,
      SETPRIV,
      {
        argv: [SETPRIV, "--reuid=998", "--regid=997", "--init-groups", "--", "app", "-v"],
      },
    ],
    [
      "setpriv, group only: stays root, drops root's groups",
      { ...account, uid: null },
      SETPRIV,
      {
        argv: [SETPRIV, "--regid=997", "--clear-groups", "--", "app", "-v"],
      },
    ],
    ["no setpriv: Bun's uid and gid", account, null, { argv: ["app", "-v"], uid: 998, gid: 997 }],
  ])("%s", (_what, acct, setpriv, expected) => {
    expect(commandAs(acct, ["app", "-v"], setpriv)).toEqual(expected);
  });
});

describe.skipIf(!isRoot || !nobody)("as root", () => {
  test('user = "nobody": the process runs as nobody, with its HOME, USER and LOGNAME', async () => {
    await using d = await new TestDaemon(
      `[processes.asnobody]\ncommand = ["sleep", "100000"]\nuser = "nobody"\n`,
    ).start();
    const p = await d.waitState("asnobody", "running");
    const n = nobody!;
    // setpriv switches ids and then execs sleep in the same pid: wait until it has.
    await waitFor(
      "the process to run sleep",
      () => readFileSync(`/proc/${p.pid}/comm`, "utf8").trim() === "sleep",
    );
    expect(ids(p.pid as number)).toEqual({
      Uid: `${n.uid}\t${n.uid}\t${n.uid}\t${n.uid}`,
      Gid: `${n.gid}\t${n.gid}\t${n.gid}\t${n.gid}`,
      // setpriv --init-groups: the user's groups from /etc/group, never root's.
      Groups: Bun.which(SETPRIV) ? String(n.gid) : "",
    });
    const child = await waitFor("its environment", () =>
      processesWithEnv(`TEND_TEST_ID=${d.id}`, "TEND_PROCESS=asnobody").find((c) => c.pid === p.pid),
    );
    expect({
      pid: child?.pid,
      HOME: child?.env.get("HOME"),
      USER: child?.env.get("USER"),
      LOGNAME: child?.env.get("LOGNAME"),
    }).toEqual({ pid: p.pid as number, HOME: n.home, USER: "nobody", LOGNAME: "nobody" });
  });

  test("expand_env: a real process gets the expanded argv and env; $$ is a literal $", async () => {
    await using d = new TestDaemon(
      `[processes.expanded]
command = ["sleep", "\${NAP}"]
env_file = "app.env"
env = { GREETING = "hello \${WHO}", PRICE = "$$5", FALLBACK = "\${NOPE:-none}" }
expand_env = true

[processes.literal]
command = ["sleep", "100000"]
env = { GREETING = "hello \${WHO}" }
`,
    );
    writeFileSync(join(d.dir.path, "app.env"), `# the nap\nexport NAP="100000"\nWHO='world'\n`);
    await d.start();
    const expanded = await d.waitState("expanded", "running");
    // A spawned child shows its own environ and cmdline only once it has exec'd.
    const execd = (name: string) =>
      waitFor(
        `${name} to have exec'd`,
        () => processesWithEnv(`TEND_TEST_ID=${d.id}`, `TEND_PROCESS=${name}`)[0],
      );
    const [e, l] = [await execd("expanded"), await execd("literal")];
    expect(readFileSync(`/proc/${expanded.pid}/cmdline`, "utf8").split("\0")).toEqual([
      "sleep",
      "100000",
      "",
    ]);
    expect({
      GREETING: e?.env.get("GREETING"),
      PRICE: e?.env.get("PRICE"),
      FALLBACK: e?.env.get("FALLBACK"),
      literal: l?.env.get("GREETING"),
    }).toEqual({ GREETING: "hello world", PRICE: "$5", FALLBACK: "none", literal: "hello ${WHO}" });
  });

  test("tend not running as root: `user` is a config error naming the key path", async () => {
    using dir = tempDir();
    chmodSync(dir.path, 0o755);
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, `[processes.web]\ncommand = ["true"]\nuser = "nobody"\ngroup = "nogroup"\n`);
    chmodSync(file, 0o644);
    const n = nobody!;
    const p = Bun.spawn(
      [
        SETPRIV,
        `--reuid=${n.uid}`,
        `--regid=${n.gid}`,
        "--clear-groups",
        "--",
        ...TEND_CMD,
        "check",
        "-c",
        file,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME: "/tmp" } },
    );
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `processes.web.user: \`user\` needs tend to run as root (it runs as uid ${n.uid})`,
    );
    expect(stderr).toContain("processes.web.group: `group` needs tend to run as root");
  });
});
