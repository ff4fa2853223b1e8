import { expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { isTerminal } from "../../src/cli/io.ts";
import { BUN, REPO } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/temp.ts";

const PRINT = `import { isTerminal } from ${JSON.stringify(join(REPO, "src/cli/io.ts"))}; console.log([isTerminal(1), isTerminal(0)].join(" "));`;

test("/dev/null and a regular file are not terminals", () => {
  using dir = tempDir();
  for (const [path, flags] of [
    ["/dev/null", "r"],
    [join(dir.path, "file"), "w"],
  ] as const) {
    const fd = openSync(path, flags);
    try {
      expect(isTerminal(fd), path).toBe(false);
    } finally {
      closeSync(fd);
    }
  }
});

// script(1) comes with util-linux (Debian's bsdutils, an essential package).
test.skipIf(!Bun.which("script"))("a pipe is not a terminal; a pseudo-terminal is", () => {
  const piped = Bun.spawnSync([BUN, "-e", PRINT], { stdin: "pipe", stdout: "pipe" });
  expect(piped.stdout.toString().trim()).toBe("false false");
  // script(1) runs the command on a new pseudo-terminal: stdin and stdout are /dev/pts/N.
  const onPty = Bun.spawnSync(["script", "-qec", `${BUN} -e '${PRINT}'`, "/dev/null"], { stdin: "pipe" });
  expect(onPty.stdout.toString().trim(), onPty.stderr.toString()).toBe("true true");
});
