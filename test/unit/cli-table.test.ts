import { expect, test } from "bun:test";
import { paint, table } from "../../src/cli/format.ts";

test("a table pads each column to its widest cell, colour codes not counted, the last column unpadded", () => {
  const green = paint("running", "running", true);
  expect(
    table(
      ["NAME", "STATE", "PID"],
      [
        ["api", green, "12"],
        ["worker-long", "stopped", ""],
      ],
    ),
  ).toBe(
    [
      "NAME         STATE    PID",
      `api          ${green}  12`,
      // An empty last cell leaves no trailing spaces.
      "worker-long  stopped",
      "",
    ].join("\n"),
  );
});
