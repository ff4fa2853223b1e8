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
