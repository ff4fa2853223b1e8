import { defaultSocketPath } from "../config/paths.ts";
import { type ParsedArgs, str } from "./args.ts";
import { Client } from "./client.ts";
import type { Io } from "./io.ts";

// The socket a client verb talks to: --socket, then -c FILE's [supervisor] socket, then
// $TEND_SOCKET, then the default for this user.
export async function clientFor(args: ParsedArgs, io: Io): Promise<Client> {
  const explicit = str(args, "socket");
  if (explicit) return new Client(explicit);
  const file = str(args, "config");
  if (file) {
    const { loadConfig } = await import("../config/load.ts");
    return new Client(loadConfig(file, io.env).supervisor.socketPath);
  }
  return new Client(defaultSocketPath(io.env));
}

// Flags every client verb accepts.
export const CLIENT_FLAGS = {
  socket: { takes: "value" },
  config: { takes: "value", alias: "-c" },
} as const;
