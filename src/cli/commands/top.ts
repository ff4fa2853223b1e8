import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor } from "../context.ts";
import { isTerminal } from "../io.ts";
import { runTop } from "../top/loop.ts";
import { processTerminal } from "../top/terminal.ts";
import type { Command } from "./types.ts";

export const top: Command = {
  name: "top",
  usage: "tend top",
  summary: "live view of processes: ↑↓/jk select, 1-8 sort, s start, x stop, r restart, l logs, q quit",
  noArguments: true,
  flags: { ...CLIENT_FLAGS },
  async run(args, io) {
    if (!io.isTty || !isTerminal(0))
      throw usageError("tend top needs a terminal; use tend ps for a one-off table", "top");
    const client = await clientFor(args, io);
    // Fails here, before the screen is taken, when the supervisor is not reachable.
    await client.list();
    return runTop(client, processTerminal());
  },
};
