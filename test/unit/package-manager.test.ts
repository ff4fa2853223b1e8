import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { detectPackageManager, type PackageManager } from "../../src/config/package-script.ts";
import { write, YARN_BERRY, YARN_V1 } from "../helpers/package-dir.ts";
import { tempDir } from "../helpers/temp.ts";

describe("detectPackageManager", () => {
  test.each<[string, string, PackageManager]>([
    ["bun.lock", "", "bun"],
    ["bun.lockb", "", "bun"],
    ["pnpm-lock.yaml", "lockfileVersion: '9.0'\n", "pnpm"],
    ["yarn.lock", YARN_V1, "yarn"],
    ["yarn.lock", YARN_BERRY, "yarn-berry"],
    ["package-lock.json", "{}", "npm"],
    ["npm-shrinkwrap.json", "{}", "npm"],
  ])("%s (%#) means %s", (lockfile, content, manager) => {
    using dir = tempDir();
    write(dir.path, { "package.json": {}, [lockfile]: content });
    expect(detectPackageManager(dir.path)).toEqual({ manager, lockfile: join(dir.path, lockfile) });
  });

  test("an empty yarn.lock is berry's beside .yarnrc.yml and classic's without it", () => {
    using dir = tempDir();
    write(dir.path, { "a/yarn.lock": "", "a/.yarnrc.yml": "nodeLinker: node-modules\n", "b/yarn.lock": "" });
    expect(detectPackageManager(join(dir.path, "a")).manager).toBe("yarn-berry");
    expect(detectPackageManager(join(dir.path, "b")).manager).toBe("yarn");
  });

  test("no lockfile anywhere is npm", () => {
    using dir = tempDir();
    write(dir.path, { "package.json": {} });
    expect(detectPackageManager(dir.path)).toEqual({ manager: "npm", lockfile: null });
  });

  test("the nearest directory with a lockfile decides, looking upward", () => {
    using dir = tempDir();
    write(dir.path, { "pnpm-lock.yaml": "", "apps/web/package.json": {}, "apps/api/bun.lock": "" });
    expect(detectPackageManager(join(dir.path, "apps/web"))).toEqual({
      manager: "pnpm",
      lockfile: join(dir.path, "pnpm-lock.yaml"),
    });
    expect(detectPackageManager(join(dir.path, "apps/api")).manager).toBe("bun");
  });

  test("several lockfiles in one directory: bun, then pnpm, then yarn, then npm", () => {
    using dir = tempDir();
    write(dir.path, { "package-lock.json": "{}", "yarn.lock": YARN_V1, "pnpm-lock.yaml": "" });
    expect(detectPackageManager(dir.path).manager).toBe("pnpm");
    write(dir.path, { "bun.lock": "" });
    expect(detectPackageManager(dir.path).manager).toBe("bun");
  });

  test.each<[string, PackageManager, string | null]>([
    ["pnpm@9.1.0", "pnpm", null],
    ["pnpm@9.1.0+sha512.abc", "pnpm", null],
    ["yarn@1.22.19", "yarn", "yarn.lock"],
    ["yarn@4.1.0", "yarn-berry", "yarn.lock"],
    ["bun@1.1.0", "bun", null],
    ["npm@10.8.0", "npm", "package-lock.json"],
  ])("the packageManager field %s beats the lockfiles (%s)", (field, manager, lockfile) => {
    using dir = tempDir();
    write(dir.path, {
      "package.json": { packageManager: field },
      "package-lock.json": "{}",
      "yarn.lock": YARN_BERRY,
    });
    const found = detectPackageManager(dir.path);
    expect(found).toEqual({ manager, lockfile: lockfile === null ? null : join(dir.path, lockfile) });
  });

  test("a packageManager field in a workspace root applies to its packages", () => {
    using dir = tempDir();
    write(dir.path, { "package.json": { packageManager: "pnpm@9.0.0" }, "packages/a/package.json": {} });
    write(dir.path, { "packages/a/package-lock.json": "{}" });
    expect(detectPackageManager(join(dir.path, "packages/a")).manager).toBe("pnpm");
  });

  test("an unknown packageManager leaves the decision to the lockfiles", () => {
    using dir = tempDir();
    write(dir.path, { "package.json": { packageManager: "deno@2.0.0" }, "bun.lock": "" });
    expect(detectPackageManager(dir.path).manager).toBe("bun");
  });
});
