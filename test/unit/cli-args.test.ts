import { describe, expect, test } from "bun:test";
import { bool, type FlagSpec, list, type ParsedArgs, parseArgs, str } from "../../src/cli/args.ts";
import { CliError } from "../../src/cli/cli-error.ts";

const SPEC: FlagSpec = {
  json: { takes: "bool" },
  follow: { takes: "bool", alias: "-f" },
  lines: { takes: "value", alias: "-n" },
  config: { takes: "value", alias: "-c" },
  env: { takes: "list" },
};

describe("parseArgs accepts", () => {
  test.each([
    ["nothing", [], { positionals: [], flags: {}, rest: [] }],
    ["positionals", ["api", "web"], { positionals: ["api", "web"], flags: {}, rest: [] }],
    ["a bool flag", ["--json"], { positionals: [], flags: { json: true }, rest: [] }],
    ["a bool alias", ["-f", "api"], { positionals: ["api"], flags: { follow: true }, rest: [] }],
    ["a value flag", ["--lines", "20"], { positionals: [], flags: { lines: "20" }, rest: [] }],
    ["a value flag with =", ["--lines=20"], { positionals: [], flags: { lines: "20" }, rest: [] }],
    ["a value alias", ["-n", "5", "api"], { positionals: ["api"], flags: { lines: "5" }, rest: [] }],
    [
      "a value that looks like a flag",
      ["--lines", "-5"],
      { positionals: [], flags: { lines: "-5" }, rest: [] },
    ],
    ["a value with = inside", ["--env=A=1"], { positionals: [], flags: { env: ["A=1"] }, rest: [] }],
    [
      "a repeated list flag",
      ["--env", "A=1", "--env", "B=2"],
      { positionals: [], flags: { env: ["A=1", "B=2"] }, rest: [] },
    ],
    [
      "the last of a repeated value flag",
      ["-n", "1", "-n", "2"],
      { positionals: [], flags: { lines: "2" }, rest: [] },
    ],
    ["a lone dash as a positional", ["-"], { positionals: ["-"], flags: {}, rest: [] }],
    [
      "everything after -- as rest",
      ["api", "--json", "--", "bun", "--watch", "-n", "x.ts"],
      { positionals: ["api"], flags: { json: true }, rest: ["bun", "--watch", "-n", "x.ts"] },
    ],
    ["an empty rest", ["api", "--"], { positionals: ["api"], flags: {}, rest: [] }],
  ] as [string, string[], ParsedArgs][])("%s", (_what, argv, parsed) => {
    expect(parseArgs("verb", argv, SPEC)).toEqual(parsed);
  });
});

describe("parseArgs refuses with a usage error (exit 2)", () => {
  test.each([
    ["an unknown long flag", ["--bogus"], "tend verb: unknown option --bogus"],
    ["an unknown short flag", ["-x"], "tend verb: unknown option -x"],
    ["an unknown flag with a value", ["--bogus=1"], "tend verb: unknown option --bogus"],
    ["a value on a bool flag", ["--json=yes"], "tend verb: --json takes no value"],
    ["a missing value", ["api", "--lines"], "tend verb: --lines needs a value"],
    ["a missing value after an alias", ["-c"], "tend verb: -c needs a value"],
  ])("%s", (_what, argv, message) => {
    let error: unknown = null;
    try {
      parseArgs("verb", argv, SPEC);
    } catch (err) {
      error = err;
    }
    expect({
      isCliError: error instanceof CliError,
      exitCode: (error as CliError).exitCode,
      message: (error as Error).message,
    }).toEqual({ isCliError: true, exitCode: 2, message: `${message}\nsee: tend help verb` });
  });
});

describe("flag readers", () => {
  test("str, bool and list read the parsed flags by type", () => {
    const a = parseArgs("verb", ["--json", "-n", "3", "--env", "A=1"], SPEC);
    expect({
      json: bool(a, "json"),
      follow: bool(a, "follow"),
      lines: str(a, "lines"),
      jsonAsStr: str(a, "json"),
      config: str(a, "config"),
      env: list(a, "env"),
      noEnv: list(parseArgs("verb", [], SPEC), "env"),
    }).toEqual({
      json: true,
      follow: false,
      lines: "3",
      jsonAsStr: undefined,
      config: undefined,
      env: ["A=1"],
      noEnv: [],
    });
  });
});
