import { expect, test } from "bun:test";
import { ConfigError } from "../../src/config/issues.ts";
import { buildConfig } from "../../src/config/load.ts";
import { planReload } from "../../src/supervisor/reload-plan.ts";

const load = (image: unknown) =>
  buildConfig("/etc/tend/tend.toml", { processes: { api: { command: ["api"], image } } }, {});

// `image` is for the export only: a new image is not a changed process for tend.
test("a change of image alone restarts nothing at reload", () => {
  const before = load("ghcr.io/acme/api:1.4").processes[0];
  const after = load("ghcr.io/acme/api:1.5").processes[0];
  if (!before || !after) throw new Error("expected one process");
  expect(after.image).toBe("ghcr.io/acme/api:1.5");
  const plan = planReload(new Map([["api", { source: "config" as const, spec: before }]]), [after]);
  expect({ changed: plan.changed, unchanged: plan.unchanged }).toEqual({ changed: [], unchanged: ["api"] });
});

test("an image with spaces is refused by name", () => {
  let issues: unknown = null;
  try {
    load("acme api");
  } catch (err) {
    if (err instanceof ConfigError) issues = err.issues;
  }
  expect(issues).toEqual([
    {
      path: "processes.api.image",
      message: "expected a container image like ghcr.io/acme/api:1.4 (no spaces)",
    },
  ]);
});
