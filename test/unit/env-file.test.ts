import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvFile, readEnvFile } from "../../src/config/env-file.ts";
import { TendError } from "../../src/errors.ts";
import { tempDir } from "../helpers/temp.ts";

describe("parseEnvFile", () => {
  test.each([
    ["plain", "A=1", { A: "1" }],
    ["export prefix and spaces around =", "export B = two ", { B: "two" }],
    ["comments and blank lines", "# comment\n\n  \nC=3\n", { C: "3" }],
    ["single quotes are literal", "D='x # y \\n'", { D: "x # y \\n" }],
    ["double quotes with escapes", 'E="a\\"b\\n\\t\\\\"', { E: 'a"b\n\t\\' }],
    ["an inline comment after a space", "F=val # note", { F: "val" }],
    ["a # without a space before it is kept", "G=val#kept", { G: "val#kept" }],
    ["an empty value", "H=", { H: "" }],
    ["an unterminated double quote runs to the end", 'I="open', { I: "open" }],
    ["CRLF line ends", "J=1\r\nK=2\r\n", { J: "1", K: "2" }],
    ["lines that are not assignments are skipped", "not a line\n9X=bad\nL=ok", { L: "ok" }],
    ["the last assignment wins", "M=1\nM=2", { M: "2" }],
  ])("%s", (_what, text, env) => {
    expect(parseEnvFile(text)).toEqual(env);
  });
});

describe("readEnvFile", () => {
  test("reads a file", () => {
    using dir = tempDir();
    const file = join(dir.path, "api.env");
    writeFileSync(file, "PORT=3000\nexport MODE=prod\n");
    expect(readEnvFile(file)).toEqual({ PORT: "3000", MODE: "prod" });
  });

  test("a missing file is a TendError naming it", () => {
    using dir = tempDir();
    const file = join(dir.path, "missing.env");
    let error: unknown = null;
    try {
      readEnvFile(file);
    } catch (e) {
      error = e;
    }
    expect({
      isTendError: error instanceof TendError,
      code: (error as TendError).code,
      namesFile: (error as Error).message.includes(file),
    }).toEqual({ isTendError: true, code: "SPAWN_FAILED", namesFile: true });
  });
});
