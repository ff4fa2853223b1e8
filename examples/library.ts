// A supervisor of this program's own, driven from code. In a project of yours:
//   npm install /path/to/tend-0.1.0.tgz   (made by `npm pack` in tend's repo)
//   bun library.ts
import { startSupervisor, TendApiError } from "tend";

// Started from a config object (the keys of tend.toml), on a socket in a temporary directory;
// the end of the block stops every process it started, and the supervisor with them.
await using tend = await startSupervisor({
  processes: {
    web: {
      command: ["sh", "-c", "echo listening on 8080; exec sleep 600"],
      readiness: { type: "log", pattern: "listening" },
    },
  },
});

const [web] = await tend.wait("web", { for: "healthy", timeout: "10s" });
console.log(`web is ${web?.health}, pid ${web?.pid}`);
for await (const line of tend.logs("web", { lines: 5 })) console.log(`web | ${line.text}`);

// A crash arrives as an event: the run ended with reason "crashed".
let crashed!: (text: string) => void;
const crash = new Promise<string>((resolve) => {
  crashed = resolve;
});
const off = tend.on("run.exited", (e) => {
  if (e.process === "job" && e.reason === "crashed") crashed(`job crashed with exit code ${e.details?.code}`);
});
await off.ready; // subscribed: nothing from here on is missed
await tend.add({ name: "job", command: ["sh", "-c", "exit 3"], restart: "never" });
console.log(await crash);
off();

try {
  await tend.restart("no-such-process");
} catch (err) {
  if (err instanceof TendApiError) console.log(`${err.code}: ${err.message}`);
}
