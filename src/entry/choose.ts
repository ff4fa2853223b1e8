// Which bundle serves a command line. The client bundle holds only the verbs that talk to a
// running supervisor; the full one holds everything (the supervisor, the config loader with zod,
// the HTTP server). Loading a bundle costs start-up time for all the code in it, even code that
// never runs, so `tend ps` is about 15 ms faster from the client bundle.
//
// These names must match CLIENT_COMMANDS (src/cli/commands/client-verbs.ts); a test holds them
// to it. They are spelled out here so that choosing costs nothing.
export const CLIENT_VERBS: readonly string[] = [
  "ps",
  "ls",
  "top",
  "status",
  "start",
  "stop",
  "restart",
  "signal",
  "scale",
  "pause",
  "resume",
  "reset",
  "set",
  "wait",
  "logs",
  "add",
  "rm",
  "reload",
  "history",
  "events",
  "progress",
  "down",
  "dashboard",
  "__names",
];

// What asks for the version instead of a verb (src/cli/run-verb.ts answers them).
export const VERSION_FLAGS: readonly string[] = ["--version", "-V", "version"];

// "client" only for a client verb (or --version) whose options cannot include -c FILE: reading a
// config file needs the full bundle. Anything else, including every mistake, goes to the full
// bundle, which can handle any command line; the client one is only ever the faster choice.
export function bundleFor(argv: readonly string[]): "client" | "full" {
  const [verb, ...rest] = argv;
  if (verb === undefined) return "full";
  if (VERSION_FLAGS.includes(verb)) return rest.length === 0 ? "client" : "full";
  if (!CLIENT_VERBS.includes(verb)) return "full";
  // Anywhere on the line, even after `--`: a flag may take `--` as its value, and then what
  // follows is still read as options. A command after `--` that has a -c costs start-up only.
  const readsConfig = rest.some(
    (a) => a === "-c" || a === "--config" || a.startsWith("-c=") || a.startsWith("--config="),
  );
  return readsConfig ? "full" : "client";
}

// `tend -c FILE ps`, `tend --socket S ps`: options that find the supervisor may come before the
// verb; they are moved after it, where the verb's own parser reads them.
const LEADING_WITH_VALUE = ["-c", "--config", "--socket"];

export function verbFirst(argv: readonly string[]): string[] {
  const lead: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i] as string;
    if (LEADING_WITH_VALUE.includes(a) && i + 1 < argv.length) {
      lead.push(a, argv[i + 1] as string);
      i += 2;
    } else if (/^(-c|--config|--socket)=/.test(a) || a === "--json") {
      lead.push(a);
      i++;
    } else break;
  }
  if (lead.length === 0 || i >= argv.length) return [...argv];
  return [argv[i] as string, ...lead, ...argv.slice(i + 1)];
}
