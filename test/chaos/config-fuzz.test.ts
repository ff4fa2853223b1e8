import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../src/config/issues.ts";
import { loadConfig } from "../../src/config/load.ts";
import { rng } from "../helpers/random.ts";
import { tempDir } from "../helpers/temp.ts";
import { reportFigures, size } from "./figures.ts";

// Mutations of one valid config in each format, read the way `tend check` and `tend up` read a
// file: each must load, or fail with a ConfigError that names the file. Any other outcome (a
// throw of another kind, a hang) is a crash of the loader.

const TOML = `[supervisor]
socket = "/run/t/tend.sock"
state_dir = "/var/lib/t"
metrics_interval = "5s"

[processes.db]
command = ["postgres", "-D", "/srv/pg"]
readiness = { type = "tcp", port = 5432, interval = "2s" }
stop_signal = "SIGINT"

[processes.api]
command = "bun server.ts"
env = { PORT = "3000" }
depends_on = { db = "healthy" }
backoff = { initial = "1s", factor = 2, max = "1m", jitter = 0.1 }
liveness = { type = "http", url = "http://127.0.0.1:3000/health", failure_threshold = 3 }
max_memory = "512MiB"

[[alerts]]
on = ["crashed"]
webhook = "https://hooks.example/x"
`;
const JSON_TEXT = JSON.stringify(Bun.TOML.parse(TOML), null, 2);
const YAML = `supervisor:
  socket: /run/t/tend.sock
processes:
  db:
    command: [postgres, -D, /srv/pg]
    readiness: { type: tcp, port: 5432, interval: 2s }
  api:
    command: bun server.ts
    depends_on: { db: healthy }
    restart: always
alerts:
  - on: [crashed]
    command: [notify-send, tend]
`;

const PIECES = [
  "\u0000",
  "\uFFFF",
  "=",
  "[",
  "]",
  "{",
  "}",
  '"',
  "'",
  ",",
  ":",
  "-",
  "\n",
  "  ",
  "#",
  "\\",
  "1e999",
  "-1",
  "null",
  "true",
  "𝄞",
  "${X}",
  "\xff",
];

function mutate(text: string, random: () => number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = [...bytes];
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const at = Math.floor(random() * (out.length + 1));
    const kind = Math.floor(random() * 4);
    if (kind === 0) out.splice(at, 1 + Math.floor(random() * 8));
    else if (kind === 1)
      out.splice(at, 0, ...new TextEncoder().encode(PIECES[Math.floor(random() * PIECES.length)] as string));
    else if (kind === 2 && out.length) out[at % out.length] = Math.floor(random() * 256);
    else {
      const lines = new TextDecoder().decode(new Uint8Array(out)).split("\n");
      const i = Math.floor(random() * lines.length);
      lines.splice(Math.floor(random() * lines.length), 0, lines[i] as string);
      out.splice(0, out.length, ...new TextEncoder().encode(lines.join("\n")));
    }
  }
  return new Uint8Array(out);
}

test("mutated configs in TOML, YAML and JSON load or fail as ConfigError, never otherwise", () => {
  using dir = tempDir();
  const perFormat = size(2000, 20_000);
  const random = rng(7);
  const crashes: string[] = [];
  let loaded = 0;
  let refused = 0;
  for (const [ext, text] of [
    ["toml", TOML],
    ["yaml", YAML],
    ["json", JSON_TEXT],
  ] as const) {
    const file = join(dir.path, `tend.${ext}`);
    for (let i = 0; i < perFormat; i++) {
      writeFileSync(file, mutate(text, random));
      try {
        loadConfig(file, {});
        loaded++;
      } catch (err) {
        if (err instanceof ConfigError && err.file === file && err.issues.length > 0) refused++;
        else
          crashes.push(`${ext} #${i}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      }
    }
  }
  reportFigures("config fuzzing", { configs: perFormat * 3, loaded, refused, crashes: crashes.length });
  expect({ crashes: crashes.slice(0, 5), total: loaded + refused }).toEqual({
    crashes: [],
    total: perFormat * 3,
  });
});
