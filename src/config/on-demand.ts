import type { Config } from "./load.ts";
import type { ProcessSpec } from "./process-spec.ts";

// The config checks (zod and the schemas) for a supervisor that is already running, loaded on
// first use: an idle supervisor keeps them out of memory until it reloads or is given a process.
// `require` keeps these synchronous; in the compiled binary the modules are bundled, not read.
function checks(): typeof import("./runtime-spec.ts") & typeof import("./load.ts") {
  return { ...require("./runtime-spec.ts"), ...require("./load.ts") };
}

export function loadConfigOnDemand(path: string, environment: string | null = null): Config {
  return checks().loadConfig(path, process.env, undefined, environment);
}

export function runtimeProcessSpecOnDemand(name: string, raw: unknown): ProcessSpec {
  return checks().runtimeProcessSpec(name, raw);
}
