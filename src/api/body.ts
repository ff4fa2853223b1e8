import type { z } from "zod";
import { issuesFromZod } from "../config/issues.ts";
import { TendError } from "../errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;

// Reads a JSON body and validates it. Empty bodies count as `{}` so `POST …/reload` works bare.
export async function readBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.output<T>> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
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
    const issues = issuesFromZod(parsed.error);
    throw new TendError("BAD_REQUEST", issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
  }
  return parsed.data;
}

function tooLarge(): TendError {
  return new TendError("PAYLOAD_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
}
