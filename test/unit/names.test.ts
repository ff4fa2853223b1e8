import { expect, test } from "bun:test";
import { nameProblem } from "../../src/config/names.ts";

test.each([
  ["api", true],
  ["web-1", true],
  ["my_worker.2", true],
  ["9lives", true],
  ["a".repeat(64), true],
  ["a".repeat(65), false],
  ["", false],
  ["../x", false],
  ["a/b", false],
  ["a..b", false],
  [".hidden", false],
  ["-flag", false],
  ["with space", false],
  ["é", false],
])("%j valid: %p", (name, valid) => {
  expect(nameProblem(name) === null).toBe(valid);
});
