import type { ApiError } from "../domain/shapes.ts";
import { type ErrorCode, type ErrorDetails, errorMessage, httpStatusOf, TendError } from "../errors.ts";

// The one place errors become HTTP: `{ error: { code, message } }` with the code's status.
// Anything that is not a TendError is our bug and the only thing allowed to be a 500.
export function errorResponse(err: unknown): Response {
  let code: string;
  let message: string;
  let details: ErrorDetails | undefined;
  if (err instanceof TendError) {
    code = err.code;
    message = err.message;
    details = err.details;
  } else {
    code = "INTERNAL";
    message = errorMessage(err);
  }
  const body: ApiError["error"] = { code: code as ErrorCode, message };
  if (details?.file !== undefined) body.file = details.file;
  if (details?.issues !== undefined) body.issues = details.issues;
  return Response.json({ error: body }, { status: httpStatusOf(code) });
}
