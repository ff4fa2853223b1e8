import type { ReloadPlan } from "../../domain/control.ts";
import { bool } from "../args.ts";
import { CliError, EXIT } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor } from "../context.ts";
import type { Command } from "./types.ts";

export const reload: Command = {
  name: "reload",
  usage: "tend reload [--dry-run] [--json]",
  summary: "re-read the config and apply the difference; a bad config changes nothing",
  noArguments: true,
  flags: { ...CLIENT_FLAGS, "dry-run": { takes: "bool" }, json: { takes: "bool" } },
  async run(args, io) {
    const client = await clientFor(args, io);
    const plan = await client.request<ReloadPlan>("POST", "/v1/reload", { dry_run: bool(args, "dry-run") });
    if (bool(args, "json")) {
      io.out(`${JSON.stringify(plan, null, 2)}\n`);
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

export const down: Command = {
  name: "down",
  usage: "tend down",
  summary: "stop every process and exit the supervisor",
  noArguments: true,
  flags: { ...CLIENT_FLAGS },
  async run(args, io) {
    const client = await clientFor(args, io);
    await client.request("POST", "/v1/shutdown");
    // Done when the socket stops answering: the supervisor closes it only after every tree is gone.
    for (;;) {
      try {
        await client.raw("GET", "/v1/health");
      } catch (err) {
        if (err instanceof CliError && err.exitCode === EXIT.unreachable) break;
        throw err;
      }
      await Bun.sleep(20);
    }
    io.out("supervisor stopped\n");
    return 0;
  },
};
