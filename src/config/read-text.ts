import { readFileSync } from "node:fs";
import { errorMessage } from "../errors.ts";
import { ConfigError } from "./issues.ts";

// The config file's text, or the ConfigError every loader reports when it cannot be read.
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [{ path: "(file)", message: `cannot read: ${errorMessage(err)}` }]);
  }
}
