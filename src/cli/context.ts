import { defaultSocketPath } from "../config/paths.ts";
import { type ParsedArgs, str } from "./args.ts";
import { Client } from "./client.ts";
import type { Io } from "./io.ts";

// Reading -c FILE takes the config loader, and with it zod and the schemas. The full CLI
// (run.ts) provides it; the client-only bundle never does, and src/main.ts sends it no command
// line with -c.
type ConfigReader = (file: string, env: Record<string, string | undefined>) => Promise<string>;
let configReader: ConfigReader | undefined;

export function provideConfigReader(reader: ConfigReader): void {
  configReader = reader;
}

// The socket a client verb talks to: --socket, then -c FILE's [supervisor] socket, then
// $TEND_SOCKET, then the default for this user.
export async function clientFor(args: ParsedArgs, io: Io): Promise<Client> {
  const explicit = str(args, "socket");
  if (explicit) return new Client(explicit);
  const file = str(args, "config");
  if (file) {
    if (!configReader)
      throw new Error(`-c ${file}: this build of the CLI cannot read config files; use --socket PATH`);
    return new Client(await configReader(file, io.env));
  }
  return new Client(defaultSocketPath(io.env));
}

// Flags every client verb accepts.
export const CLIENT_FLAGS = {
  socket: { takes: "value" },
  config: { takes: "value", alias: "-c" },
} as const;
