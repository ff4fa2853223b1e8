import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { resolveScript, type ScriptCommand } from "../../src/config/package-script.ts";
import { spawnedArgv } from "../../src/config/shell-line.ts";
import { write, YARN_BERRY, YARN_V1 } from "../helpers/package-dir.ts";
import { tempDir } from "../helpers/temp.ts";

const BASE = { PATH: "/usr/bin:/bin" };

function thrown(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a throw");
}

// The env without PATH, which has its own tests.
function withoutPath(env: Record<string, string>): Record<string, string> {
  const { PATH: _, ...rest } = env;
  return rest;
}

async function run(cmd: ScriptCommand): Promise<{ out: string; code: number }> {
  const proc = Bun.spawn(cmd.argv, { cwd: cmd.cwd, env: { ...BASE, ...cmd.env }, stdout: "pipe" });
  const out = await new Response(proc.stdout).text();
  return { out, code: await proc.exited };
}

describe("resolveScript", () => {
  const SCRIPTS = { predev: "echo before", dev: "vite --port 3000", postdev: "echo after", build: "tsc" };
  const LOCKS = {
    npm: ["package-lock.json", "{}"],
    yarn: ["yarn.lock", YARN_V1],
    "yarn-berry": ["yarn.lock", YARN_BERRY],
    pnpm: ["pnpm-lock.yaml", ""],
    bun: ["bun.lock", ""],
  } as const;

  function project(dir: string, manager: keyof typeof LOCKS, pkg: object = { scripts: SCRIPTS }): void {
    const [lockfile, content] = LOCKS[manager];
    write(dir, { "package.json": pkg, [lockfile]: content });
  }

  test.each(["npm", "yarn", "pnpm", "bun"] as const)("%s runs pre and post hooks", (manager) => {
    using dir = tempDir();
    project(dir.path, manager);
    const cmd = resolveScript(dir.path, "dev", BASE);
    expect(cmd.manager).toBe(manager);
    expect(cmd.steps).toEqual(["predev", "dev", "postdev"]);
    expect(cmd.argv).toEqual([
      "/bin/sh",
      "-c",
      "( export npm_lifecycle_event='predev' npm_lifecycle_script='echo before'\necho before\n) && " +
        "( exec vite --port 3000\n) && " +
        "( export npm_lifecycle_event='postdev' npm_lifecycle_script='echo after'\necho after\n)",
    ]);
  });

  test("yarn berry runs no hooks: the line is the script alone", () => {
    using dir = tempDir();
    project(dir.path, "yarn-berry");
    const cmd = resolveScript(dir.path, "dev", BASE);
    expect(cmd.steps).toEqual(["dev"]);
    expect(cmd.argv).toEqual(["/bin/sh", "-c", "vite --port 3000"]);
    expect(spawnedArgv(cmd.argv)).toEqual(["/bin/sh", "-c", "exec vite --port 3000"]);
  });

  test("pnpm skips a hook that the script itself names", () => {
    using dir = tempDir();
    project(dir.path, "pnpm", {
      scripts: { predev: "echo x", dev: "pnpm predev && vite", postdev: "echo y" },
    });
    expect(resolveScript(dir.path, "dev", BASE).steps).toEqual(["dev", "postdev"]);
  });

  test("an empty hook is not a step", () => {
    using dir = tempDir();
    project(dir.path, "npm", { scripts: { prestart: "", start: "node app.js" } });
    expect(resolveScript(dir.path, "start", BASE).steps).toEqual(["start"]);
  });

  test.each([
    ["node server.js", "exec node server.js"],
    ["node dist/main.js --port $PORT 'a b'", "exec node dist/main.js --port $PORT 'a b'"],
    [
      "NODE_ENV=production node --max-old-space-size=512 dist/main.js --port 8080",
      "NODE_ENV=production node --max-old-space-size=512 dist/main.js --port 8080",
    ],
    ["tsc && node dist/main.js # build first", "tsc && node dist/main.js # build first"],
    ["cd api; exec ./run 'a b' \"$HOME\"", "cd api; exec ./run 'a b' \"$HOME\""],
    ["node a.js > out.log", "node a.js > out.log"],
    ["export A=1", "export A=1"],
  ])(
    "without hooks: the line is the script text exactly; spawned, a plain command is exec'd: %s",
    (text, line) => {
      using dir = tempDir();
      project(dir.path, "npm", { scripts: { start: text } });
      const cmd = resolveScript(dir.path, "start", BASE);
      expect(cmd.argv).toEqual(["/bin/sh", "-c", text]);
      expect(spawnedArgv(cmd.argv)).toEqual(["/bin/sh", "-c", line]);
      expect(cmd.steps).toEqual(["start"]);
    },
  );

  test("PATH: node_modules/.bin of the package directory, then of each ancestor, then the base PATH", () => {
    using dir = tempDir();
    const app = join(dir.path, "srv", "app");
    project(app, "npm");
    const { env } = resolveScript(app, "dev", { PATH: "/opt/x/bin:/usr/bin" });
    const ancestors = [];
    for (let d = app; d !== "/"; d = join(d, "..")) ancestors.push(join(d, "node_modules/.bin"));
    expect(env.PATH).toBe([...ancestors, "/node_modules/.bin", "/opt/x/bin:/usr/bin"].join(":"));
  });

  test("PATH falls back to the standard directories without a base PATH", () => {
    using dir = tempDir();
    project(dir.path, "npm");
    const { env } = resolveScript(dir.path, "dev", {});
    expect(
      env.PATH?.endsWith(":/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
    ).toBe(true);
  });

  test("the nearest package.json above the directory is used, and the script runs beside it", () => {
    using dir = tempDir();
    project(dir.path, "npm");
    mkdirSync(join(dir.path, "src", "lib"), { recursive: true });
    const cmd = resolveScript(join(dir.path, "src", "lib"), "build", BASE);
    expect(cmd.packageJson).toBe(join(dir.path, "package.json"));
    expect(cmd.cwd).toBe(dir.path);
    expect(cmd.env.INIT_CWD).toBe(join(dir.path, "src", "lib"));
    expect(cmd.env.PATH?.startsWith(`${join(dir.path, "node_modules/.bin")}:`)).toBe(true);
  });

  test("a missing script names the file's directory and lists the scripts there are", () => {
    using dir = tempDir();
    project(dir.path, "npm", { scripts: { build: "tsc", start: "node .", test: "bun test" } });
    expect(thrown(() => resolveScript(dir.path, "dev", BASE))).toBe(
      `package.json in ${dir.path} has no script "dev"; it has: build, start, test`,
    );
  });

  test("no scripts at all, and an empty script, are reported as such", () => {
    using dir = tempDir();
    project(dir.path, "npm", { name: "x" });
    expect(thrown(() => resolveScript(dir.path, "dev", BASE))).toBe(
      `package.json in ${dir.path} has no script "dev"; it has no scripts`,
    );
    project(dir.path, "npm", { scripts: { dev: " " } });
    expect(thrown(() => resolveScript(dir.path, "dev", BASE))).toContain(
      'an empty or non-string script "dev"',
    );
  });

  test("invalid JSON is an error naming the file", () => {
    using dir = tempDir();
    write(dir.path, { "package.json": '{ "scripts": { "dev": "vite", } }' });
    const message = thrown(() => resolveScript(dir.path, "dev", BASE));
    expect(message.startsWith(`${join(dir.path, "package.json")} is not valid JSON: `)).toBe(true);
  });

  test("no package.json anywhere is an error naming the directory", () => {
    using dir = tempDir();
    expect(thrown(() => resolveScript(dir.path, "dev", BASE))).toBe(
      `no package.json in ${dir.path} or any directory above it`,
    );
  });

  test("npm runs node server.js for a missing start when server.js exists; bun does not", () => {
    using dir = tempDir();
    project(dir.path, "npm", { scripts: { build: "tsc" } });
    write(dir.path, { "server.js": "" });
    expect(spawnedArgv(resolveScript(dir.path, "start", BASE).argv)).toEqual([
      "/bin/sh",
      "-c",
      "exec node server.js",
    ]);
    project(dir.path, "bun", { scripts: { build: "tsc" } });
    expect(thrown(() => resolveScript(dir.path, "start", BASE))).toContain('has no script "start"');
  });

  test("yarn berry under Plug'n'Play is refused with the way out", () => {
    using dir = tempDir();
    project(dir.path, "yarn-berry");
    write(dir.path, { ".pnp.cjs": "" });
    expect(thrown(() => resolveScript(dir.path, "dev", BASE))).toContain("nodeLinker: node-modules");
  });

  describe("lifecycle environment", () => {
    const PKG = {
      name: "web",
      version: "1.2.3",
      config: { port: 8080, "log-level": "info" },
      engines: { node: ">=20" },
      scripts: { start: "node app.js" },
    };

    test("npm", () => {
      using dir = tempDir();
      project(dir.path, "npm", PKG);
      const { env } = resolveScript(dir.path, "start", BASE);
      expect(withoutPath(env)).toEqual({
        npm_package_name: "web",
        npm_package_version: "1.2.3",
        npm_package_config_port: "8080",
        npm_package_config_log_level: "info",
        npm_package_engines_node: ">=20",
        npm_package_json: join(dir.path, "package.json"),
        npm_lifecycle_event: "start",
        npm_lifecycle_script: "node app.js",
        npm_command: "run",
        INIT_CWD: dir.path,
      });
    });

    test("npm before 11, by the packageManager field, says run-script", () => {
      using dir = tempDir();
      project(dir.path, "npm", { ...PKG, packageManager: "npm@10.9.0" });
      expect(resolveScript(dir.path, "start", BASE).env.npm_command).toBe("run-script");
    });

    test("pnpm", () => {
      using dir = tempDir();
      project(dir.path, "pnpm", PKG);
      const { env } = resolveScript(dir.path, "start", BASE);
      expect(env.npm_command).toBe("run-script");
      expect(env.PNPM_SCRIPT_SRC_DIR).toBe(dir.path);
      expect(env.INIT_CWD).toBe(dir.path);
      expect(env.npm_package_engines_node).toBe(">=20");
    });

    test("yarn classic exports every field and no npm_package_json", () => {
      using dir = tempDir();
      project(dir.path, "yarn", { ...PKG, description: "the site", files: ["dist"] });
      const { env } = resolveScript(dir.path, "start", BASE);
      expect(env.npm_package_description).toBe("the site");
      expect(env.npm_package_files_0).toBe("dist");
      expect(env.npm_package_scripts_start).toBe("node app.js");
      expect(env.npm_lifecycle_script).toBe("node app.js");
      expect(env.npm_package_json).toBeUndefined();
      expect(env.npm_command).toBeUndefined();
    });

    test("yarn berry: name and version, PROJECT_CWD, no npm_lifecycle_script", () => {
      using dir = tempDir();
      project(dir.path, "yarn-berry", PKG);
      const { env } = resolveScript(dir.path, "start", BASE);
      expect(withoutPath(env)).toEqual({
        npm_package_name: "web",
        npm_package_version: "1.2.3",
        npm_package_json: join(dir.path, "package.json"),
        npm_lifecycle_event: "start",
        INIT_CWD: dir.path,
        PROJECT_CWD: dir.path,
      });
    });

    test("bun: no INIT_CWD, no engines", () => {
      using dir = tempDir();
      project(dir.path, "bun", PKG);
      const { env } = resolveScript(dir.path, "start", BASE);
      expect(env.INIT_CWD).toBeUndefined();
      expect(env.npm_package_engines_node).toBeUndefined();
      expect(env.npm_package_config_port).toBe("8080");
      expect(env.npm_command).toBe("run-script");
    });

    test("no user agent or execpath claims a package manager that is not running", () => {
      using dir = tempDir();
      project(dir.path, "npm", PKG);
      const { env } = resolveScript(dir.path, "start", BASE);
      for (const key of ["npm_config_user_agent", "npm_execpath", "npm_node_execpath", "NODE"]) {
        expect(env[key]).toBeUndefined();
      }
    });
  });

  describe("running the line", () => {
    test("a binary in node_modules/.bin is found through PATH", async () => {
      using dir = tempDir();
      project(dir.path, "npm", { name: "app", scripts: { start: "hello" } });
      write(dir.path, {
        "node_modules/.bin/hello": '#!/bin/sh\necho "hello from $npm_package_name in $PWD"\n',
      });
      chmodSync(join(dir.path, "node_modules/.bin/hello"), 0o755);
      const result = await run(resolveScript(dir.path, "start", BASE));
      expect(result).toEqual({ out: `hello from app in ${dir.path}\n`, code: 0 });
    });

    test("hooks run in order, each seeing its own lifecycle event", async () => {
      using dir = tempDir();
      project(dir.path, "npm", {
        scripts: {
          prestart: "echo pre $npm_lifecycle_event; cd /; exit 0 # leaves nothing behind",
          start: 'echo main $npm_lifecycle_event "$npm_lifecycle_script" $(pwd) # main',
          poststart: "echo post $npm_lifecycle_event",
        },
      });
      const { out, code } = await run(resolveScript(dir.path, "start", BASE));
      expect(code).toBe(0);
      expect(out.split("\n")).toEqual([
        "pre prestart",
        `main start echo main $npm_lifecycle_event "$npm_lifecycle_script" $(pwd) # main ${dir.path}`,
        "post poststart",
        "",
      ]);
    });

    test("a failing step stops the ones after it and its status is the line's", async () => {
      using dir = tempDir();
      project(dir.path, "npm", { scripts: { start: "echo main; exit 3", poststart: "echo post" } });
      expect(await run(resolveScript(dir.path, "start", BASE))).toEqual({ out: "main\n", code: 3 });
    });
  });
});
