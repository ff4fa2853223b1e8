import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { CLIENT_COMMANDS } from "../../src/cli/commands/client-verbs.ts";
import { COMMANDS } from "../../src/cli/commands/index.ts";
import { bundleFor, CLIENT_VERBS } from "../../src/entry/choose.ts";
import { REPO } from "../helpers/daemon.ts";

describe("which bundle serves a command line", () => {
  test("the client bundle's verb list is its command table", () => {
    expect([...CLIENT_VERBS]).toEqual(CLIENT_COMMANDS.map((c) => c.name));
    const all = COMMANDS.map((c) => c.name);
    expect(CLIENT_VERBS.filter((v) => !all.includes(v))).toEqual([]);
  });

  test.each([
    [["ps"], "client"],
    [["ps", "--json", "--socket", "/run/tend.sock"], "client"],
    [["logs", "-f", "api"], "client"],
    [["ps", "--help"], "client"],
    [["--version"], "client"],
    [["add", "job", "--", "sh", "-c", "echo hi"], "full"],
    [["progress", "job", "-m", "--", "-c", "tend.toml"], "full"],
    [["add", "job", "--", "tool", "--verbose"], "client"],
    [["ps", "-c", "tend.toml"], "full"],
    [["ps", "--config", "tend.toml"], "full"],
    [["ps", "--config=tend.toml"], "full"],
    [["restart", "api", "-c=tend.toml"], "full"],
    [["add", "job", "-c", "tend.toml", "--", "true"], "full"],
    [["up"], "full"],
    [["check"], "full"],
    [["schema"], "full"],
    [["systemd-unit"], "full"],
    [["help"], "full"],
    [["help", "ps"], "full"],
    [["__load-config", "f"], "full"],
    [["frobnicate"], "full"],
    [["--version", "extra"], "full"],
    [[], "full"],
  ] as const)("%j → %s", (argv, bundle) => {
    expect(bundleFor(argv)).toBe(bundle);
  });
});

// The point of the client bundle: what `tend ps` loads. A static import that reaches the config
// loader, the supervisor or the HTTP server would put them back into every client verb's start.
// The API's route table as plain data (src/api/surface.gen.ts, what src/client calls) is no server.
test("the client bundle holds none of zod, SQLite, the config loader or the supervisor", async () => {
  const built = await Bun.build({
    entrypoints: [join(REPO, "src/entry/client.ts")],
    target: "bun",
    metafile: true,
  });
  expect(built.success, built.logs.join("\n")).toBe(true);
  const inputs = Object.keys(built.metafile?.inputs ?? {}).map((p) =>
    p.replace(/^.*?(node_modules|src)\//, "$1/"),
  );
  const imports = Object.values(built.metafile?.inputs ?? {}).flatMap((i) => i.imports.map((x) => x.path));
  const heavy = [
    ...inputs.filter((p) =>
      /^node_modules\/zod\/|^src\/(config\/load|daemon|supervisor|api\/(?!surface\.gen\.ts$)|store)/.test(p),
    ),
    ...imports.filter((p) => p === "bun:sqlite"),
  ];
  expect({ heavy, sourceFiles: inputs.filter((p) => p.startsWith("src/")).length > 10 }).toEqual({
    heavy: [],
    sourceFiles: true,
  });
});
