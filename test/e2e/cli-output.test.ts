import { expect, test } from "bun:test";
import { TEND_CMD, TestDaemon } from "../helpers/daemon.ts";
import { waitFor } from "../helpers/wait.ts";

const LINES = 3000; // ~190 KB: well past a pipe's 64 KiB buffer

// Regression: the CLI called process.exit while its output still sat in the pipe, so a reader
// that was not keeping up (`tend logs … | less`) got the first 64 KiB and nothing more.
test("a slow reader of the CLI's output gets all of it", async () => {
  await using d = await new TestDaemon(
    `[processes.chatty]\ncommand = "seq -f 'line %06g of the chatty process, padded to be long enough' 1 ${LINES}; sleep 100000"\n`,
  ).start();
  await waitFor(`line ${LINES} in chatty's log`, () =>
    d.log("chatty").includes(`line ${String(LINES).padStart(6, "0")}`),
  );
  const cli = TEND_CMD.map((a) => `'${a}'`).join(" ");
  // The reader starts late on purpose: it stands for a pager or a slow consumer.
  const p = Bun.spawn(["sh", "-c", `${cli} logs -n ${LINES} chatty | (sleep 0.3; wc -l)`], {
    env: d.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [out, code] = await Promise.all([new Response(p.stdout as ReadableStream).text(), p.exited]);
  expect({ lines: Number(out.trim()), code }).toEqual({ lines: LINES, code: 0 });
});
