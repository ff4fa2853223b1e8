import { type ConfigIssue, formatPath } from "../config/issues.ts";
import { TendError } from "../errors.ts";
import type { Check, Issue } from "./checks.ts";

export const MAX_BODY_BYTES = 64 * 1024;

// Reads a JSON body and validates it. Empty bodies count as `{}` so `POST …/reload` works bare.
export async function readBody<T>(request: Request, schema: Check<T>): Promise<T> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  // A body cut short (the client went away) is no empty body: an action must not take it as one.
  if (request.headers.has("content-length") && bytes.byteLength !== declared)
    throw new TendError(
      "BAD_REQUEST",
      `the request body was cut short (${bytes.byteLength} of ${declared} bytes)`,
    );
  const text = new TextDecoder().decode(bytes);
  let data: unknown = {};
  if (text.trim() !== "") {
    try {
      data = JSON.parse(text);
    } catch {
      throw new TendError("BAD_REQUEST", "the request body is not valid JSON");
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = bodyIssues(parsed.error.issues);
    throw new TendError("BAD_REQUEST", issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
  }
  return parsed.data;
}

// As issuesFromZod words a config's: one "unknown key" per key that is not expected.
function bodyIssues(issues: Issue[]): ConfigIssue[] {
  return issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? (i.keys ?? []).map((key) => ({ path: formatPath([...i.path, key]), message: "unknown key" }))
      : [{ path: formatPath(i.path), message: i.message }],
  );
}

function tooLarge(): TendError {
  return new TendError("PAYLOAD_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
}
