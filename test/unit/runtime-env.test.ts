import { expect, test } from "bun:test";
import { commandLine, RUNTIME_ENV, RUNTIME_ENV_MARK, runtimeEnvPlan } from "../../src/entry/runtime-env.ts";

const argv = () => ["/usr/bin/tend", "up", "-c", "tend.toml"];

test("tend up re-executes itself with the runtime's settings added, and names the ones it added", () => {
  const plan = runtimeEnvPlan({ PATH: "/usr/bin", UNSET: undefined }, argv);
  expect(plan).toEqual({
    path: "/proc/self/exe",
    argv: argv(),
    env: [
      "PATH=/usr/bin",
      ...Object.entries(RUNTIME_ENV).map(([k, v]) => `${k}=${v}`),
      `${RUNTIME_ENV_MARK}=${Object.keys(RUNTIME_ENV).join(",")}`,
    ],
  });
});

test("the re-executed process takes out what was added, and nothing the operator set", () => {
  const env: Record<string, string | undefined> = {
    PATH: "/usr/bin",
    BUN_GC_TIMER_DISABLE: "1",
    BUN_IDLE_GC_SECONDS: "7", // the operator's own: not in the mark
    [RUNTIME_ENV_MARK]: "BUN_GC_TIMER_DISABLE,PATH", // a name that is not one of ours stays too
  };
  expect(runtimeEnvPlan(env, argv)).toBeNull();
  expect(env).toEqual({ PATH: "/usr/bin", BUN_IDLE_GC_SECONDS: "7" });
});

test("settings the operator gave are theirs: only the missing ones are added and later taken out", () => {
  const plan = runtimeEnvPlan({ BUN_IDLE_GC_SECONDS: "7" }, argv);
  expect(plan?.env).toEqual([
    "BUN_IDLE_GC_SECONDS=7",
    "BUN_GC_TIMER_DISABLE=1",
    "MIMALLOC_SCAVENGER=0",
    `${RUNTIME_ENV_MARK}=BUN_GC_TIMER_DISABLE,MIMALLOC_SCAVENGER`,
  ]);
  expect(
    runtimeEnvPlan({ BUN_IDLE_GC_SECONDS: "7", BUN_GC_TIMER_DISABLE: "0", MIMALLOC_SCAVENGER: "1" }, argv),
  ).toBeNull();
});

test("the command line is read as given, empty arguments included; bytes that are not UTF-8 stop the re-exec", () => {
  const env = Buffer.from("PATH=/usr/bin\0");
  expect(commandLine(Buffer.from("/usr/bin/tend\0up\0\0--config\0é.toml\0"), env)).toEqual([
    "/usr/bin/tend",
    "up",
    "",
    "--config",
    "é.toml",
  ]);
  const latin1 = Buffer.from([0x2f, 0x74, 0xe9, 0]); // "/t\xe9": Latin-1, not UTF-8
  expect(() => commandLine(latin1, env)).toThrow("/proc/self/cmdline holds bytes that are not UTF-8");
  expect(() => commandLine(Buffer.from("tend\0up\0"), Buffer.concat([env, latin1]))).toThrow(
    "/proc/self/environ holds bytes that are not UTF-8",
  );
});
