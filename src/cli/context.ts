import { connect, type TendClient } from "../client/index.ts";
import { defaultSocketPath } from "../config/paths.ts";
import { type ParsedArgs, str } from "./args.ts";
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
export async function socketFor(args: ParsedArgs, io: Io): Promise<string> {
  const explicit = str(args, "socket");
  if (explicit) return explicit;
  const file = str(args, "config");
  if (file) {
    if (!configReader)
      throw new Error(`-c ${file}: this build of the CLI cannot read config files; use --socket PATH`);
    return configReader(file, io.env);
  }
  return defaultSocketPath(io.env);
}

// The CLI's only way to the supervisor: the typed client (src/client), which never reconnects
// on its own here: a follower that loses the supervisor ends, and says so.
export async function clientFor(args: ParsedArgs, io: Io): Promise<TendClient> {
  return connect({ socket: await socketFor(args, io), reconnect: 0 });
}

// Flags every client verb accepts.
export const CLIENT_FLAGS = {
  socket: { takes: "value" },
  config: { takes: "value", alias: "-c" },
} as const;

// What --json prints for an answer that is one object or one list.
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

// What --json prints for each item of a stream: one object per line (JSON Lines).
export function printJsonLine(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}
