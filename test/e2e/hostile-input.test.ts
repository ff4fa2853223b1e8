import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

// Regression: action routes ignored their body: `POST /v1/shutdown` with `{not json` shut the
// supervisor down, and start with {"bogus": true} started the process.
test("an action route refuses a body it does not take, and changes nothing", async () => {
  await using d = await new TestDaemon(
    `[processes.idle]\ncommand = ["sleep", "100000"]\nautostart = false\n`,
  ).start();
  const shutdown = await d.api("POST", "/v1/shutdown", "{not json");
  const start = await d.api("POST", "/v1/processes/idle/start", { bogus: true });
  const empty = await d.api("POST", "/v1/processes/idle/stop", "{}");
  const health = await d.api("GET", "/v1/health");
  expect({
    shutdown: [shutdown.status, ((await shutdown.json()) as { error: { code: string } }).error.code],
    start: [start.status, ((await start.json()) as { error: { message: string } }).error.message],
    empty: empty.status,
    alive: health.status,
    idle: (await d.process("idle")).state,
  }).toEqual({
    shutdown: [400, "BAD_REQUEST"],
    start: [400, "bogus: unknown key"],
    empty: 200,
    alive: 200,
    idle: "stopped",
  });
});

// Regression: a timer longer than 2^31−1 ms fired after 1 ms: a probe with interval "30d" ran
// about 2 000 times in 5 s. A second probe every 100 ms is the clock the test waits on.
test("a 30-day probe interval is 30 days, not a millisecond", async () => {
  await using d = new TestDaemon("");
  const slow = join(d.dir.path, "slow");
  const fast = join(d.dir.path, "fast");
  writeFileSync(
    d.configPath,
    `${readFileSync(d.configPath, "utf8")}
[processes.svc]
command = ["sleep", "100000"]
readiness = { type = "exec", command = ["sh", "-c", "echo x >> ${slow}"], interval = "30d" }
liveness = { type = "exec", command = ["sh", "-c", "echo x >> ${fast}"], interval = "100ms" }
`,
  );
  await d.start();
  const count = (f: string) => {
    try {
      return readFileSync(f, "utf8").split("\n").length - 1;
    } catch {
      return 0; // not written yet
    }
  };
  await waitFor("ten checks of the 100 ms probe", () => count(fast) >= 10);
  expect(count(slow)).toBe(1);
});

// Regression: invalid UTF-8 in a config was read as U+FFFD, changing a command's bytes.
test("a config that is not UTF-8 is refused with its position", async () => {
  await using d = new TestDaemon("");
  const text = `${readFileSync(d.configPath, "utf8")}\n[processes.x]\ncommand = ["echo", "caf`;
  writeFileSync(d.configPath, Buffer.concat([Buffer.from(text), Buffer.from([0xe9]), Buffer.from(`"]\n`)]));
  const line = text.split("\n").length;
  const check = Bun.spawnSync([...TEND_CMD, "check", "-c", d.configPath], {
    env: d.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const up = await d.upExpectingExit();
  expect({
    check: [check.exitCode, check.stderr.toString().split("\n")[1]?.trim()],
    up: [up.code, up.stderr.includes(`not valid UTF-8 at line ${line}`)],
  }).toEqual({
    check: [
      1,
      `(file): not valid UTF-8 at line ${line}, byte ${`command = ["echo", "caf`.length + 1} of the line (offset ${Buffer.byteLength(text)}): save the file as UTF-8`,
    ],
    up: [1, true],
  });
});
