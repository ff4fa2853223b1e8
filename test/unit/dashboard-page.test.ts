import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { generatePage, PAGE_FILE } from "../../scripts/dashboard-page.ts";

// The page the supervisor serves is src/dashboard/page/ as the bundler makes it today.
test("src/dashboard/page.gen.ts is up to date (bun scripts/dashboard-page.ts writes it)", async () => {
  expect(readFileSync(PAGE_FILE, "utf8") === (await generatePage())).toBe(true);
});
