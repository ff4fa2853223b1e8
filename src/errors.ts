import type { ApiError } from "./domain/shapes.ts";

// One error class for every refused or failed action. The API maps `code` to an HTTP status,
// the CLI maps it to an exit code; nothing else inspects messages.
// Every code, with the HTTP status the API answers it with: the one list of them.
const HTTP_STATUS = {
  BAD_REQUEST: 400,
  BAD_NAME: 400,
  BAD_SIGNAL: 400,
  CONFIG_INVALID: 422,
  PROCESS_NOT_FOUND: 404,
  PROCESS_EXISTS: 409,
  PROCESS_FROM_CONFIG: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  SHUTTING_DOWN: 503,
  ALREADY_RUNNING: 409,
  SPAWN_FAILED: 422,
  NOT_READY: 409, // a rolling restart stopped at a copy that did not become ready
  // The client's own: no supervisor answers, the socket is not the supervisor's, wait() gave up.
  UNREACHABLE: 503,
  UNTRUSTED_SOCKET: 403,
  TIMEOUT: 408,
  USAGE: 400,
  // The dashboard's listener: no token, or an action it refuses (read-only, not from its page).
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof HTTP_STATUS;
export const ERROR_CODES = Object.keys(HTTP_STATUS) as [ErrorCode, ...ErrorCode[]];

// What an error carries besides its message: the config file and every problem, when a body or
// a config was refused (the API's `error.file` and `error.issues`).
export type ErrorDetails = Pick<ApiError["error"], "file" | "issues">;

export class TendError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.name = "TendError";
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export function httpStatusOf(code: string): number {
  return HTTP_STATUS[code as ErrorCode] ?? 500;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
