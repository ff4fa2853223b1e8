import type { TendApiError } from "../client/index.ts";

// The CLI's exit codes (SPEC §4): 1 refused or failed, 2 usage, 3 supervisor unreachable.
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(message: string, verb?: string): CliError {
  return new CliError(`${message}\n${verb ? `see: tend help ${verb}` : "see: tend help"}`, EXIT.usage);
}

export const UNREACHABLE_HINT =
  "Is `tend up` running? Set TEND_SOCKET or pass --socket / -c to point at its socket.";

// The exit code of a refusal or failure the client reports: 3 when there is no supervisor to
// ask, 1 for everything else (a refusal, an untrusted socket, a timeout).
export function exitCodeOf(err: TendApiError): number {
  return err.code === "UNREACHABLE" ? EXIT.unreachable : EXIT.failed;
}

// The message of a client error as the CLI prints it (after "tend: "), without a final newline:
// an unreachable supervisor adds where to look on a line of its own.
export function apiErrorText(err: TendApiError): string {
  const message = err.message.replace(/\n+$/, "");
  return err.code === "UNREACHABLE" ? `${message}\n${UNREACHABLE_HINT}` : message;
}
