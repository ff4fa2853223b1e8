// One error class for every refused or failed action. The API maps `code` to an HTTP status,
// the CLI maps it to an exit code; nothing else inspects messages.
export type ErrorCode =
  | "BAD_REQUEST"
  | "BAD_NAME"
  | "BAD_SIGNAL"
  | "CONFIG_INVALID"
  | "PROCESS_NOT_FOUND"
  | "PROCESS_EXISTS"
  | "PROCESS_FROM_CONFIG"
  | "INVALID_STATE"
  | "PAYLOAD_TOO_LARGE"
  | "NOT_FOUND"
  | "SHUTTING_DOWN"
  | "ALREADY_RUNNING"
  | "SPAWN_FAILED"
  | "NOT_READY"
  | "UNREACHABLE"
  | "USAGE"
  | "INTERNAL";

const HTTP_STATUS: Record<ErrorCode, number> = {
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
  UNREACHABLE: 503,
  USAGE: 400,
  INTERNAL: 500,
};

export class TendError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
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
