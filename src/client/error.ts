import type { ApiError, Issue } from "../api/surface.gen.ts";
import { why } from "./transport.ts";

// Every refusal and failure: the API's own code (PROCESS_NOT_FOUND, BAD_REQUEST, …), or
// UNREACHABLE when there is no supervisor to ask, UNTRUSTED_SOCKET when the socket is not the
// supervisor's, TIMEOUT when wait() gave up.
export type ErrorCode = ApiError["error"]["code"];

export class TendApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: Issue[] | undefined;
  readonly file: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    o: { status?: number; issues?: Issue[]; file?: string } = {},
  ) {
    super(message);
    this.name = "TendApiError";
    this.code = code;
    this.status = o.status ?? 0;
    this.issues = o.issues;
    this.file = o.file;
  }
}

export function refusal(status: number, data: unknown): TendApiError {
  const e = (data as { error?: { code?: string; message?: string; issues?: Issue[]; file?: string } } | null)
    ?.error;
  return new TendApiError(
    (e?.code as ErrorCode | undefined) ?? "INTERNAL",
    e?.message ?? `request failed with status ${status}`,
    {
      status,
      issues: e?.issues,
      file: e?.file,
    },
  );
}

export function unreachable(socketPath: string, err: unknown): TendApiError {
  return new TendApiError("UNREACHABLE", `cannot reach the supervisor at ${socketPath}: ${why(err)}`);
}
