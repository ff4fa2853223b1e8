import { TendError } from "../errors.ts";
import type { Check } from "./checks.ts";

export function parseQuery<T>(request: Request, schema: Check<T>): T {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const text = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
    throw new TendError("BAD_REQUEST", `bad query: ${text}`);
  }
  return parsed.data;
}
