// What a program outside the repo does with tend's library: add a process, wait for it to be
// healthy, read its logs, see a crash arrive through events(), and get a typed error for a name
// that does not exist. It prints one JSON line of what it saw; the test checks it.
import { type EventRecord, TendApiError, type TendClient } from "tend/client";

export async function scenario(tend: TendClient, fixtures: string): Promise<void> {
  const web = await tend.add({
    name: "web",
    command: [`${fixtures}/ready-then-sleep.sh`],
    readiness: { type: "log", pattern: "ready" },
  });
  const [healthy] = await tend.wait("web", { for: "healthy", timeout: "20s" });
  const lines: string[] = [];
  for await (const line of tend.logs("web", { lines: 10 })) lines.push(line.text);

  // Follow the events, then make something crash: the stream delivers its run.exited (crashed).
  const ac = new AbortController();
  let live!: () => void;
  const following = new Promise<void>((resolve) => {
    live = resolve;
  });
  const crashed = (async (): Promise<EventRecord | null> => {
    const stream = tend.events({
      follow: true,
      process: "crasher",
      signal: ac.signal,
      onSnapshot: () => live(),
    });
    for await (const e of stream) if (e.type === "run.exited" && e.reason === "crashed") return e;
    return null;
  })();
  const seen: string[] = [];
  let handled!: () => void;
  const handledOnce = new Promise<void>((resolve) => {
    handled = resolve;
  });
  const off = tend.on(
    "run.exited",
    (e) => {
      seen.push(`${e.process} ${e.reason}`);
      handled();
    },
    { process: "crasher" },
  );
  await Promise.all([following, off.ready]);
  await tend.add({ name: "crasher", command: [`${fixtures}/exit-with.sh`, "3"], restart: "never" });
  const crash = await crashed;
  ac.abort();
  await handledOnce; // on() saw it too

  let error: { code: string; status: number; message: string } | null = null;
  try {
    await tend.get("no-such-process");
  } catch (err) {
    if (err instanceof TendApiError) error = { code: err.code, status: err.status, message: err.message };
  }
  off();
  console.log(
    JSON.stringify({
      added: web.name,
      healthy: healthy?.health,
      lines,
      crash: crash && { type: crash.type, reason: crash.reason, process: crash.process },
      error,
      seen,
    }),
  );
}
