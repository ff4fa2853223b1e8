import { describe, expect, test } from "bun:test";
import { closeSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../src/config/issues.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadConfigIsolated } from "../../src/config/load-isolated.ts";
import { cloexecPipe } from "../../src/proc/libc.ts";
import { tempDir } from "../helpers/temp.ts";

// `tend up` and reloads read the config through a child (`tend __load-config`): what comes back
// must be what a local load gives, errors included.
const RICH = `
[supervisor]
socket = "run/tend.sock"
state_dir = "state"

[processes.api]
command = "bun server.ts"
env = { A = 1, B = true }
readiness = { type = "http", url = "http://127.0.0.1:3000/health", interval = "5s" }
liveness = { type = "exec", command = ["true"] }
progress_pattern = "(\\\\d+)%"
max_memory = "100MiB"
depends_on = { db = "healthy" }

[processes.db]
preset = "database"
port = 5432
command = ["postgres"]

[[alerts]]
on = ["crashed"]
processes = ["api"]
webhook = "https://hooks.example/ops"

[[alerts]]
on = ["log"]
pattern = "FATAL|out of (memory)/x"
command = ["/bin/true"]
`;

describe("loadConfigIsolated", () => {
  test("gives what loadConfig gives, alert patterns as RegExp", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, RICH);
    const local = loadConfig(file, {});
    const isolated = await loadConfigIsolated(file, {});
    const patterns = (c: typeof local) => c.alerts.map((a) => a.pattern?.source ?? null);
    expect(patterns(isolated)).toEqual(patterns(local));
    expect(isolated.alerts[1]?.pattern).toBeInstanceOf(RegExp);
    expect(isolated.alerts[1]?.pattern?.test("boom: out of memory/x")).toBe(true);
    const plain = (c: typeof local) => ({ ...c, alerts: c.alerts.map((a) => ({ ...a, pattern: null })) });
    expect(plain(isolated)).toEqual(plain(local));
  });

  test("a bad file throws the same ConfigError", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, "[processes.a]\ncommand = 5\nbogus = 1\n");
    let local: unknown;
    try {
      loadConfig(file, {});
    } catch (err) {
      local = err;
    }
    const isolated = await loadConfigIsolated(file, {}).catch((err: unknown) => err);
    expect(isolated).toBeInstanceOf(ConfigError);
    expect((isolated as ConfigError).message).toBe((local as ConfigError).message);
    expect((isolated as ConfigError).issues).toEqual((local as ConfigError).issues);
  });

  test("a missing file is a ConfigError too", async () => {
    using dir = tempDir();
    const err = await loadConfigIsolated(join(dir.path, "nope.toml"), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]?.path).toBe("(file)");
  });

  test("the supervisor reads the file, the child gets its text: a pipe only we hold works (-c /dev/stdin)", async () => {
    // The child inherits none of our fds, so it could not open /dev/fd/N itself.
    const [r, w] = cloexecPipe();
    writeSync(w, '[processes.from_pipe]\ncommand = ["true"]\n');
    closeSync(w);
    try {
      const config = await loadConfigIsolated(`/dev/fd/${r}`, {});
      expect(config.processes.map((p) => p.name)).toEqual(["from_pipe"]);
    } finally {
      closeSync(r);
    }
  });

  test("a number too large to be finite is an error, not Infinity that JSON would turn into null", async () => {
    using dir = tempDir();
    const file = join(dir.path, "tend.toml");
    writeFileSync(file, `[processes.a]\ncommand = ["true"]\nstop_timeout = "1${"0".repeat(400)}s"\n`);
    const err = await loadConfigIsolated(file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual(["processes.a.stop_timeout"]);
  });
});
