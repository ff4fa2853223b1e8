import { TendApiError, type TendClient } from "../../client/index.ts";
import { bool } from "../args.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import type { Command } from "./types.ts";

export const reload: Command = {
  name: "reload",
  usage: "tend reload [--dry-run] [--json]",
  summary: "re-read the config and apply the difference; a bad config changes nothing",
  noArguments: true,
  flags: { ...CLIENT_FLAGS, "dry-run": { takes: "bool" }, json: { takes: "bool" } },
  async run(args, io) {
    const client = await clientFor(args, io);
    const plan = await client.reload({ dryRun: bool(args, "dry-run") });
    if (bool(args, "json")) {
      printJson(io, plan);
      return 0;
    }
    const verb = plan.applied ? "" : "would be ";
    for (const [k, names] of [
      ["added", plan.added],
      ["removed", plan.removed],
      ["changed (restarted)", plan.changed],
      ["unchanged", plan.unchanged],
    ] as const) {
      if (names.length) io.out(`${verb}${k}: ${names.join(", ")}\n`);
    }
    return 0;
  },
};

const POLL_MS = 20;

export const down: Command = {
  name: "down",
  usage: "tend down [--json]",
  summary: "stop every process and exit the supervisor",
  noArguments: true,
  flags: { ...CLIENT_FLAGS, json: { takes: "bool" } },
  async run(args, io) {
    const client = await clientFor(args, io);
    const { pid } = await client.health();
    await client.shutdown();
    await gone(client);
    if (bool(args, "json")) printJson(io, { stopped: true, pid });
    else io.out("supervisor stopped\n");
    return 0;
  },
};

// Done when the socket stops answering: the supervisor closes it only after every tree is gone.
async function gone(client: TendClient): Promise<void> {
  for (;;) {
    try {
      await client.health();
    } catch (err) {
      if (err instanceof TendApiError && err.code === "UNREACHABLE") return;
      // Anything else (a refusal while it shuts down, an answer cut short) is still a
      // supervisor there: look again.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
