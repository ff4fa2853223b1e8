import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { execIfPlain, spawnedArgv } from "../../src/config/shell-line.ts";
import { FIXTURES, InProcess } from "../helpers/in-process.ts";
import { waitFor } from "../helpers/wait.ts";

describe("shell lines", () => {
  test.each([
    ["node server.js", "exec node server.js"],
    ["  bun run dev  ", "exec bun run dev"],
    ["command -v node", "command -v node"],
    ["type node", "type node"],
    ["cd /srv && ./run", "cd /srv && ./run"],
    ["A=1 ./run", "A=1 ./run"],
    ["./run > log", "./run > log"],
    ["./run \\\n --fast", "./run \\\n --fast"],
    ["", ""],
  ])("%j → %j", (line, spawned) => {
    expect(execIfPlain(line)).toBe(spawned);
  });

  test("only a /bin/sh -c line is changed; an argv array is spawned as written", () => {
    expect({
      line: spawnedArgv(["/bin/sh", "-c", "sleep 5"]),
      array: spawnedArgv(["sleep", "5"]),
      otherShell: spawnedArgv(["/bin/bash", "-c", "sleep 5"]),
      extra: spawnedArgv(["/bin/sh", "-c", "sleep $0", "5"]),
    }).toEqual({
      line: ["/bin/sh", "-c", "exec sleep 5"],
      array: ["sleep", "5"],
      otherShell: ["/bin/bash", "-c", "sleep 5"],
      extra: ["/bin/sh", "-c", "sleep $0", "5"],
    });
  });

  test("a command written as one plain string is the run's leader, with no sh above it", async () => {
    await using h = await InProcess.start({ api: { command: `${FIXTURES}/ready-then-sleep.sh` } });
    const pid = await waitFor("api running", () => h.supervisor.list()[0]?.pid);
    const cmdline = () => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    // The fixture execs sleep: had sh -c stayed, the leader would stay "/bin/sh -c …".
    expect(await waitFor("the leader to be the fixture's sleep", () => cmdline() === "sleep 1000000")).toBe(
      true,
    );
  });
});
