import { readFileSync } from "node:fs";
import { errorMessage } from "../errors.ts";
import { ConfigError } from "./issues.ts";

// The config file's text, or the ConfigError every loader reports when it cannot be read. Bytes
// that are not UTF-8 are refused with their position: read leniently, they would become U+FFFD
// and a command argument would silently change.
export function readConfigText(file: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError(file, [{ path: "(file)", message: `cannot read: ${errorMessage(err)}` }]);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== null) {
    const before = bytes.subarray(0, bad.offset);
    const line = before.filter((b) => b === 10).length + 1;
    const column = bad.offset - (before.lastIndexOf(10) + 1) + 1;
    throw new ConfigError(file, [
      {
        path: "(file)",
        message: `not valid UTF-8 at line ${line}, byte ${column} of the line (offset ${bad.offset}): save the file as UTF-8`,
      },
    ]);
  }
  return new TextDecoder().decode(bytes);
}

// The offset of the first byte that does not start or continue a well-formed UTF-8 sequence.
function firstInvalidUtf8(b: Uint8Array): { offset: number } | null {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    const n =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (n < 0) return { offset: i };
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return { offset: i };
    }
    // Overlong three- and four-byte forms, surrogates and code points past U+10FFFF.
    const d1 = b[i + 1] as number;
    if (
      (c === 0xe0 && d1 < 0xa0) ||
      (c === 0xed && d1 > 0x9f) ||
      (c === 0xf0 && d1 < 0x90) ||
      (c === 0xf4 && d1 > 0x8f)
    )
      return { offset: i };
    i += n + 1;
  }
  return null;
}
