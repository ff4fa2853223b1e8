import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, FIXTURES, REPO } from "../helpers/daemon.ts";
import { lineReader } from "../helpers/line-reader.ts";
import { isAlive, processesWithEnv } from "../helpers/pids.ts";
import { tempDir } from "../helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

// startSupervisor() runs a child `tend up` that holds a pipe to the program that started it:
// when that program dies without stopping it (SIGKILL, no `await using`), the supervisor stops
// everything it started and exits. Nothing is left running.
test("a program killed before it stops its private supervisor leaves nothing running", async () => {
  using dir = tempDir("tend-private-");
  const marker = `TEND_PRIVATE_TEST=${process.pid}-${Math.random().toString(36).slice(2)}`;
  const script = join(dir.path, "host.ts");
  writeFileSync(
    script,
    `import { startSupervisor } from ${JSON.stringify(join(REPO, "src/library/index.ts"))};
const tend = await startSupervisor({ processes: { worker: { command: [${JSON.stringify(`${FIXTURES}/ready-then-sleep.sh`)}] } } });
const [worker] = await tend.wait("worker", { for: "started" });
console.log(JSON.stringify({ supervisor: tend.pid, worker: worker?.pid, dir: tend.dir }));
await new Promise(() => {}); // never stops it: it is killed
`,
  );
  const [key, value] = marker.split("=") as [string, string];
  const host = Bun.spawn([BUN, script], {
    env: { ...process.env, [key]: value },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const lines = lineReader(host.stdout as ReadableStream<Uint8Array>);
    await waitFor("the host program to print its supervisor's pid", () => lines.length > 0, {
      timeoutMs: 20_000,
    });
    const started = JSON.parse(lines[0] as string) as { supervisor: number; worker: number };
    expect(isAlive(started.supervisor) && isAlive(started.worker)).toBe(true);
    host.kill("SIGKILL");
    await host.exited;
    await waitFor(
      "the supervisor and its worker to be gone",
      () => !isAlive(started.supervisor) && !isAlive(started.worker),
    );
    expect(processesWithEnv(marker).map((p) => p.pid)).toEqual([]);
  } finally {
    host.kill("SIGKILL");
    for (const p of processesWithEnv(marker)) process.kill(p.pid, "SIGKILL");
  }
});
