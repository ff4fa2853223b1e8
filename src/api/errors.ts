import type { ApiError } from "../domain/shapes.ts";
import { type ErrorCode, type ErrorDetails, errorMessage, httpStatusOf, TendError } from "../errors.ts";

// The one place errors become HTTP: `{ error: { code, message } }` with the code's status.
// Anything that is not a TendError is our bug and the only thing allowed to be a 500.
export function errorResponse(err: unknown, elysiaCode?: string | number): Response {
  let code: string;
  let message: string;
  let details: ErrorDetails | undefined;
  if (err instanceof TendError) {
    code = err.code;
    message = err.message;
    details = err.details;
  } else if (elysiaCode === "NOT_FOUND") {
    code = "NOT_FOUND";
    message = "no such route: see GET /openapi.json";
  } else if (elysiaCode === "PARSE") {
    code = "BAD_REQUEST";
    message = "the request body is not valid JSON";
  } else if (elysiaCode === "VALIDATION" || elysiaCode === "INVALID_COOKIE_SIGNATURE") {
    code = "BAD_REQUEST";
    message = errorMessage(err);
  } else {
    code = "INTERNAL";
    message = errorMessage(err);
  }
  const body: ApiError["error"] = { code: code as ErrorCode, message };
  if (details?.file !== undefined) body.file = details.file;
  if (details?.issues !== undefined) body.issues = details.issues;
  return Response.json({ error: body }, { status: httpStatusOf(code) });
}
