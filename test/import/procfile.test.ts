import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, importFiles, refusedImport } from "../helpers/import-run.ts";
import { tempDir } from "../helpers/temp.ts";

const imported = (text: string, files: Record<string, string> = {}) =>
  importFiles({ Procfile: text, ...files });

describe("tend import of a Procfile, as foreman reads it", () => {
  test("a Rails app on Heroku: web, worker, release, and .env beside it", async () => {
    const { dir, processes, config } = await imported(
      "web: bundle exec puma -C config/puma.rb -p $PORT\nworker: bundle exec sidekiq -c ${SIDEKIQ_CONCURRENCY:-5}\nrelease: bundle exec rails db:migrate\n",
      { ".env": "RAILS_ENV=production\nSIDEKIQ_CONCURRENCY=10\n" },
    );
    expect(Object.keys(processes)).toEqual(["web", "worker", "release"]);
    // PORT as foreman assigns it: 5000, then 100 more for each process after.
    expect(config.processes.map((p) => [p.name, p.env.PORT])).toEqual([
      ["web", "5000"],
      ["worker", "5100"],
      ["release", "5200"],
    ]);
    // Run through the shell, $PORT and ${VAR:-default} left to it.
    expect(config.processes[0]?.argv).toEqual([
      "/bin/sh",
      "-c",
      "bundle exec puma -C config/puma.rb -p $PORT",
    ]);
    expect(processes.worker?.command).toBe("bundle exec sidekiq -c ${SIDEKIQ_CONCURRENCY:-5}");
    for (const p of config.processes) {
      expect(p.envFile).toBe(join(dir, ".env"));
      expect(p.cwd).toBe(dir);
    }
    const release = config.processes.find((p) => p.name === "release");
    expect(release?.restart).toBe("never");
    for (const name of ["web", "worker"])
      expect(config.processes.find((p) => p.name === name)?.dependsOn).toEqual([
        { name: "release", condition: "succeeded" },
      ]);
  });

  test("comments, blank lines, CRLF endings and lines foreman ignores", async () => {
    const { processes, notes } = await imported(
      "# Procfile for the shop\r\n\r\nweb: node server.js\r\n  indented: not an entry\r\nclock: node clock.js\r\n",
    );
    expect(Object.keys(processes)).toEqual(["web", "clock"]);
    expect(processes.web?.command).toBe("node server.js");
    expect(notes).toContain('(file): line 4: not a "name: command" line; ignored, as foreman does');
    expect(processes.web?.env_file).toBeUndefined();
  });

  test("a name given twice: the first is kept, the second named", async () => {
    const { processes, notes } = await imported("web: node a.js\nworker: node w.js\nweb: node b.js\n");
    expect(processes.web?.command).toBe("node a.js");
    expect(notes).toContain(
      'web: line 3: "web" again (first on line 1): foreman runs both; tend keeps the first',
    );
  });

  test("PORT from the .env beside it is foreman's base; PS names the process; 5 s to stop", async () => {
    const { config } = await imported("web: node a.js\nweb: node again.js\nworker: node w.js\n", {
      ".env": "PORT=3000\n",
    });
    // Places count every entry, the ignored second web included, as foreman numbers them.
    expect(config.processes.map((p) => [p.name, p.env.PORT, p.env.PS, p.stopTimeoutMs])).toEqual([
      ["web", "3000", "web.1", 5000],
      ["worker", "3200", "worker.1", 5000],
    ]);
  });

  test("shell lines with operators and names with - and _", async () => {
    const { processes, config } = await imported(
      "web-1: cd frontend && npm run start -- --port $PORT\nasset_watcher: npx tailwindcss -i in.css -o out.css --watch 2>&1 | tee tw.log\n",
    );
    expect(Object.keys(processes)).toEqual(["web-1", "asset_watcher"]);
    expect(config.processes[1]?.argv[2]).toBe(
      "npx tailwindcss -i in.css -o out.css --watch 2>&1 | tee tw.log",
    );
  });

  test("tend check -c Procfile checks it as read and says what it could not carry over", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "Procfile"), "web: node server.js\n");
    const r = await cli(["check", "--schema-only", "-c", join(dir.path, "Procfile")]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 0,
      stdout: `${join(dir.path, "Procfile")}: ok, 1 process(es)\n`,
    });
    expect(r.stderr).toContain(
      "(procfile): not carried over exactly:\n  (file): exits: foreman stops every process",
    );
  });

  test("every process is told what foreman does differently on an exit", async () => {
    const { notes } = await imported("web: node server.js\n");
    expect(notes).toContain("(file): exits: foreman stops every process when one exits and restarts none");
  });

  test.each([
    ["no entry at all", "# nothing here\n\n", 'no "name: command" line: is this a Procfile?'],
    ["a name tend cannot take", "_hidden: sleep 1\n", 'line 1: "_hidden" is not a valid process name'],
  ])("refused: %s", async (_what, text, reason) => {
    await refusedImport("Procfile", text, [reason]);
  });

  test("an existing output is kept unless --force", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "Procfile"), "web: node server.js\n");
    const out = join(dir.path, "tend.toml");
    writeFileSync(out, "# mine\n");
    const r = await cli(["import", join(dir.path, "Procfile"), "-o", out]);
    expect({ code: r.code, kept: readFileSync(out, "utf8") }).toEqual({ code: 1, kept: "# mine\n" });
    expect(r.stderr).toContain("exists; give --force to replace it");
    expect((await cli(["import", join(dir.path, "Procfile"), "-o", out, "--force"])).code).toBe(0);
  });
});
