import { expect, test } from "bun:test";
import { RUNTIME_ENV, RUNTIME_ENV_MARK, runtimeEnvPlan } from "../../src/entry/runtime-env.ts";

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

test("settings the operator gave are theirs: only the missing one is added and later taken out", () => {
  const plan = runtimeEnvPlan({ BUN_IDLE_GC_SECONDS: "7" }, argv);
  expect(plan?.env).toEqual([
    "BUN_IDLE_GC_SECONDS=7",
    "BUN_GC_TIMER_DISABLE=1",
    `${RUNTIME_ENV_MARK}=BUN_GC_TIMER_DISABLE`,
  ]);
  expect(runtimeEnvPlan({ BUN_IDLE_GC_SECONDS: "7", BUN_GC_TIMER_DISABLE: "0" }, argv)).toBeNull();
});
