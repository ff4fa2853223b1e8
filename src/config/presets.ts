// Presets: the patterns operators ask for, as the keys they would otherwise write by hand.
// `preset = "web"` with `port = 3000` expands, at load time, into an HTTP readiness probe and
// `restart = "always"`; every key written in the process table wins over the preset's.
export const PRESET_NAMES = ["web", "database", "worker", "task"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface PresetKeys {
  preset?: PresetName;
  port?: number;
  health_path?: string;
}

// What a preset filled in (keys the process table did not set), shown by `tend status`.
export interface PresetExpansion {
  name: PresetName;
  applied: Record<string, unknown>;
}

const NEEDS_PORT: readonly PresetName[] = ["web", "database"];

// The keys a preset stands for, written as in the config file.
export function presetKeys(keys: PresetKeys & { preset: PresetName }): Record<string, unknown> {
  const port = keys.port ?? 0;
  switch (keys.preset) {
    case "web":
      return {
        restart: "always",
        readiness: {
          type: "http",
          url: `http://127.0.0.1:${port}${keys.health_path ?? "/"}`,
          interval: "5s",
          timeout: "2s",
        },
      };
    case "database":
      // Recovery after an unclean stop can take minutes: allow 5 minutes before the first answer.
      return {
        stop_timeout: "1m",
        startup: { type: "tcp", port, interval: "1s", timeout: "1s", failure_threshold: 300 },
        readiness: { type: "tcp", port, interval: "5s", timeout: "2s" },
      };
    case "worker":
      return { restart: "always" };
    case "task":
      return { restart: "never" };
  }
}

// The web and database presets need `port`; `health_path` belongs to the web preset. Also called
// on a table that failed other checks, so every error is reported at once: nothing about `input`
// is assumed.
export function presetIssues(input: unknown): { path: string[]; message: string }[] {
  if (input === null || typeof input !== "object") return [];
  const p = input as PresetKeys;
  const issues: { path: string[]; message: string }[] = [];
  const needsPort = p.preset !== undefined && NEEDS_PORT.includes(p.preset);
  if (needsPort && p.port === undefined)
    issues.push({ path: ["port"], message: `preset "${p.preset}" needs port = the port it listens on` });
  if (p.health_path !== undefined && p.preset !== "web")
    issues.push({ path: ["health_path"], message: 'health_path is a key of preset = "web"' });
  return issues;
}

// The process table with the preset's keys under it: what is parsed as the process.
export function expandPreset(
  raw: unknown,
  keys: PresetKeys & { preset: PresetName },
): { input: Record<string, unknown>; expansion: PresetExpansion } {
  const written = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const applied: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(presetKeys(keys))) if (!(k in written)) applied[k] = v;
  return { input: { ...applied, ...written }, expansion: { name: keys.preset, applied } };
}
