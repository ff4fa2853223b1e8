import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { processSchema } from "../../src/config/schema.ts";
import { REPO } from "../helpers/daemon.ts";

// The README's export table maps every key of a process table to each target: a key added to
// the schema without a row fails here.
test("the README's export table has a row for every process key", () => {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const section = readme.split("## Export to Kubernetes and systemd")[1]?.split("\n## ")[0] ?? "";
  const rows = section.split("\n").filter((l) => l.startsWith("| `"));
  const keys = rows.flatMap((row) =>
    [...(row.split("|")[1] ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
  );
  const missing = Object.keys(processSchema.shape).filter((k) => !keys.includes(k));
  expect({ missing, unknown: keys.filter((k) => !((k as string) in processSchema.shape)) }).toEqual({
    missing: [],
    unknown: [],
  });
  // And each row says something for both targets.
  for (const row of rows) expect(row.split("|").filter((c) => c.trim() !== "").length).toBe(3);
});
