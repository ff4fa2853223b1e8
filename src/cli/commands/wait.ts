import {
  type ProcessSnapshot,
  TendApiError,
  WAIT_CONDITIONS,
  type WaitCondition,
} from "../../client/index.ts";
import { parseDurationMs } from "../../config/units.ts";
import { bool, durationFlag, str } from "../args.ts";
import { EXIT, exitCodeOf, usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import type { Command } from "./types.ts";

// `tend wait`: the client's wait(), which follows the event stream (snapshot first, then every
// change), so it answers the moment the last condition holds, with no polling.
export const wait: Command = {
  name: "wait",
  takesNames: true,
  usage: "tend wait NAME… [--for started|healthy|exited] [--timeout 30s] [--json]",
  summary: "wait until processes are started, healthy (default) or exited; exit 1 on timeout",
  flags: { ...CLIENT_FLAGS, for: { takes: "value" }, timeout: { takes: "value" }, json: { takes: "bool" } },
  async run(args, io) {
    const names = [...new Set(args.positionals)];
    if (names.length === 0) throw usageError("tend wait needs at least one process name", "wait");
    const cond = (str(args, "for") ?? "healthy") as WaitCondition;
    if (!WAIT_CONDITIONS.includes(cond))
      throw usageError(`--for ${cond}: use started, healthy or exited`, "wait");
    const timeoutText = str(args, "timeout") ?? "30s";
    const timeoutMs = parseDurationMs(
      timeoutText === "0" ? "0ms" : durationFlag("timeout", timeoutText, "wait"),
    );
    if (timeoutMs === null)
      throw usageError(`--timeout ${timeoutText}: expected a duration like 30s`, "wait");
    const json = bool(args, "json");
    const client = await clientFor(args, io);
    let met: ProcessSnapshot[];
    try {
      met = await client.wait(names, { for: cond, timeout: timeoutMs });
    } catch (err) {
      if (!(err instanceof TendApiError)) throw err;
      // The client's words for its option are the CLI's flag here.
      const message = err.message.replace("checked once (timeout 0)", "checked once (--timeout 0)");
      // --json: every failure as data on stdout ({"error": {code, message}}), with its exit code.
      if (json) {
        printJson(io, { error: { code: err.code, message } });
        return exitCodeOf(err);
      }
      // Not met (timed out, or it cannot be any more): why, and each process that is not there.
      // Anything else (an unknown name, no supervisor) is reported as every client verb does.
      if (err.code !== "TIMEOUT" && err.code !== "INVALID_STATE") throw err;
      io.err(`tend wait: ${message}${message.endsWith("\n") ? "" : "\n"}`);
      return EXIT.failed;
    }
    if (json) printJson(io, met);
    else io.out(`${inOrder(names, met).join(", ")}: ${cond}\n`);
    return EXIT.ok;
  },
};

// The names waited for, in the order given: a replicated process as its copies.
function inOrder(names: string[], met: ProcessSnapshot[]): string[] {
  const copies = (n: string) =>
    met
      .filter((p) => p.replicaOf === n)
      .sort((a, b) => (a.instance ?? 0) - (b.instance ?? 0))
      .map((p) => p.name);
  const expanded = names.flatMap((n) => (met.some((p) => p.name === n) ? [n] : copies(n)));
  return [...new Set(expanded)];
}
