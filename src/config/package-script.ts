import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { errorMessage } from "../errors.ts";
import { execIfPlain } from "./shell-line.ts";

// `script = "dev"`: package.json's script run as the directory's package manager runs it, but by
// tend itself, so no npm/yarn/pnpm/bun process sits between tend and the program to swallow or
// double signals. What each manager does for `<pm> run <script>`, and so what is done here:
// - All use the nearest package.json at or above the working directory and run the script in
//   its directory (`cwd`). npm and pnpm run `node server.js` for a missing `start` if it exists.
// - npm, yarn classic, bun and pnpm (enable-pre-post-scripts defaults to true) run non-empty
//   `pre<name>`/`post<name>` around the script, each step only after the last succeeded; pnpm
//   skips a hook the script's text names. Yarn 2+ (berry) runs none for user scripts. Settings
//   that turn hooks off (ignore-scripts, enable-pre-post-scripts=false) are not read.
// - npm, pnpm and yarn classic use `sh -c`; bun the first of bash, sh, zsh on PATH; berry its
//   own portable shell. tend always uses /bin/sh.
// - PATH: npm prepends node_modules/.bin of the package directory and every ancestor, bun the
//   same from where it was started; pnpm and yarn classic add the package's and the workspace
//   root's, berry a temporary directory of dependency binaries. tend walks as npm (bun: as bun)
//   for all: a superset with the same directories first.
// - Env: see scriptEnv, each variable only for the managers that set it. npm_config_user_agent,
//   npm_execpath, npm_node_execpath, NODE and npm_config_* are never set: they describe a
//   package-manager process and its settings, and none runs here (tools that read the user
//   agent to pick a manager fall back to lockfiles). In npm_package_* names, characters not
//   valid in a variable name become `_`, as pnpm and yarn make them.

export type PackageManager = "npm" | "yarn" | "yarn-berry" | "pnpm" | "bun";

export interface ScriptCommand {
  manager: PackageManager;
  packageJson: string; // absolute path
  cwd: string; // where the manager runs the script: packageJson's directory
  argv: string[]; // ["/bin/sh", "-c", LINE]
  env: Record<string, string>; // what the manager would add, PATH included
  steps: string[]; // e.g. ["prestart", "start", "poststart"], in the order they run
}

type Manifest = Record<string, unknown>;
type Field = { manager: PackageManager; major: number };

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Several lockfiles in one directory: the first in this order decides. A project that moved to
// bun or pnpm often keeps the package-lock.json or yarn.lock it came from; the newer lockfile is
// the one somebody chose. npm itself reads npm-shrinkwrap.json before package-lock.json.
const LOCKFILES: [string, PackageManager][] = [
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["npm-shrinkwrap.json", "npm"],
  ["package-lock.json", "npm"],
];

// dir, its parent, ... up to /.
function upward(dir: string): string[] {
  const dirs = [resolve(dir)];
  for (let d = dirs[0] as string; dirname(d) !== d; d = dirname(d)) dirs.push(dirname(d));
  return dirs;
}

// What `find` first returns, other than null, for dir or the nearest of its ancestors.
function nearest<T>(dir: string, find: (d: string) => T | null): T | null {
  for (const d of upward(dir)) {
    const found = find(d);
    if (found !== null) return found;
  }
  return null;
}

function readManifest(file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${errorMessage(err)}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${file} does not hold a JSON object`);
  }
  return value as Manifest;
}

// `"packageManager": "pnpm@9.1.0+sha512..."` in dir's package.json. Yarn 1 is classic, later
// majors are berry.
function packageManagerField(dir: string): Field | null {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return null;
  let field: string;
  try {
    field = String(readManifest(file).packageManager ?? "");
  } catch {
    // An unreadable package.json is no evidence either way; the project's own is read again,
    // with its error reported, by resolveScript.
    return null;
  }
  const m = /^(npm|pnpm|yarn|bun)@(\d+)/.exec(field);
  if (!m) return null;
  const major = Number(m[2]);
  return { manager: m[1] === "yarn" && major >= 2 ? "yarn-berry" : (m[1] as PackageManager), major };
}

// Yarn's own test: a berry lockfile has a `__metadata:` key, a classic one says "yarn lockfile
// v1"; one that says neither (still empty, say) is berry's if berry's .yarnrc.yml is beside it.
function yarnFlavour(lockfile: string): PackageManager {
  const text = readFileSync(lockfile, "utf8");
  if (/^__metadata:/m.test(text)) return "yarn-berry";
  if (text.includes("yarn lockfile v1")) return "yarn";
  return existsSync(join(dirname(lockfile), ".yarnrc.yml")) ? "yarn-berry" : "yarn";
}

// As corepack does, the nearest package.json with a packageManager field decides, before any
// lockfile (the lockfile reported is then the nearest of that manager). Otherwise the nearest
// directory with a lockfile decides; with neither, npm.
export function detectPackageManager(dir: string): { manager: PackageManager; lockfile: string | null } {
  const field = nearest(dir, packageManagerField);
  const family = field?.manager === "yarn-berry" ? "yarn" : field?.manager;
  const lockfile = nearest(dir, (d) => {
    const found = LOCKFILES.find(
      ([name, manager]) => (family ?? manager) === manager && existsSync(join(d, name)),
    );
    return found ? ([join(d, found[0]), found[1]] as const) : null;
  });
  if (lockfile === null) return { manager: field?.manager ?? "npm", lockfile: null };
  const [file, manager] = lockfile;
  return { manager: field?.manager ?? (manager === "yarn" ? yarnFlavour(file) : manager), lockfile: file };
}

// Manifest fields exported as npm_package_*: npm and pnpm export name, version, config, engines
// and bin; bun name, version and config; yarn classic all but readme, notice, licenseText and
// _-prefixed ones; berry name and version.
const PACKAGE_FIELDS: Record<PackageManager, (key: string) => boolean> = {
  npm: (k) => ["name", "version", "config", "engines", "bin"].includes(k),
  pnpm: (k) => ["name", "version", "config", "engines", "bin"].includes(k),
  bun: (k) => ["name", "version", "config"].includes(k),
  yarn: (k) => !k.startsWith("_") && !["readme", "notice", "licenseText"].includes(k),
  "yarn-berry": (k) => k === "name" || k === "version",
};

// name=value for a scalar; name_<key>=... for each member of an object or array.
function flatten(value: unknown, name: string, out: Record<string, string>): void {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, `${name}_${k.replace(/\W/g, "_")}`, out);
  } else if (value !== undefined) {
    const text = value === null || value === false ? "" : String(value);
    out[name] = text.includes("\n") ? JSON.stringify(text) : text;
  }
}

function scriptEnv(
  manager: PackageManager,
  manifest: Manifest,
  at: { start: string; packageJson: string; root: string; script: string; text: string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(manifest)) {
    if (PACKAGE_FIELDS[manager](k)) flatten(v, `npm_package_${k.replace(/\W/g, "_")}`, env);
  }
  env.npm_lifecycle_event = at.script;
  if (manager !== "yarn-berry") env.npm_lifecycle_script = at.text;
  if (manager !== "yarn") env.npm_package_json = at.packageJson;
  if (manager !== "bun") env.INIT_CWD = at.start; // where the manager would have been started
  // npm 11 names the command `run` (npm 10 and older `run-script`); pnpm and bun say run-script.
  if (manager === "npm") {
    const major = nearest(at.start, packageManagerField)?.major ?? 11;
    env.npm_command = major < 11 ? "run-script" : "run";
  }
  if (manager === "pnpm" || manager === "bun") env.npm_command = "run-script";
  if (manager === "pnpm") env.PNPM_SCRIPT_SRC_DIR = dirname(at.packageJson);
  if (manager === "yarn-berry") env.PROJECT_CWD = at.root;
  return env;
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function resolveScript(
  cwd: string,
  script: string,
  baseEnv: Record<string, string | undefined>,
): ScriptCommand {
  const start = resolve(cwd);
  const packageJson = nearest(start, (d) =>
    existsSync(join(d, "package.json")) ? join(d, "package.json") : null,
  );
  if (packageJson === null) throw new Error(`no package.json in ${start} or any directory above it`);
  const dir = dirname(packageJson);
  const manifest = readManifest(packageJson);
  const { manager, lockfile } = detectPackageManager(start);
  const root = lockfile ? dirname(lockfile) : dir; // the project's root, as far as can be told
  const listed = manifest.scripts;
  const scripts: Manifest = listed !== null && typeof listed === "object" ? { ...listed } : {};
  const serverJs = (manager === "npm" || manager === "pnpm") && existsSync(join(dir, "server.js"));
  if (script === "start" && scripts.start === undefined && serverJs) scripts.start = "node server.js";
  const text = scripts[script];
  if (typeof text !== "string" || text.trim() === "") {
    const names = Object.keys(scripts);
    const has = names.length > 0 ? `it has: ${names.join(", ")}` : "it has no scripts";
    const what = text === undefined ? "no script" : "an empty or non-string script";
    throw new Error(`package.json in ${dir} has ${what} "${script}"; ${has}`);
  }
  if (manager === "yarn-berry" && existsSync(join(root, ".pnp.cjs"))) {
    throw new Error(
      `${root} uses Yarn Plug'n'Play (.pnp.cjs): its binaries are not in node_modules/.bin, so the ` +
        `script cannot run without yarn; set "nodeLinker: node-modules" in .yarnrc.yml, or use command`,
    );
  }

  const hook = (name: string): boolean =>
    manager !== "yarn-berry" &&
    typeof scripts[name] === "string" &&
    scripts[name] !== "" &&
    !(manager === "pnpm" && text.includes(name));
  const steps = [`pre${script}`, script, `post${script}`].filter((s) => s === script || hook(s));
  // Alone, the line is the script's text exactly. With hooks, each step runs in a subshell as
  // in its own `sh -c` (its `exit`, `cd` and `;` stay its own), a hook with its own lifecycle
  // variables; the newline before `)` ends a trailing # comment.
  const step = (s: string): string => {
    const body = scripts[s] as string;
    if (s === script) return `( ${execIfPlain(body)}\n)`;
    return `( export npm_lifecycle_event=${shQuote(s)} npm_lifecycle_script=${shQuote(body)}\n${body}\n)`;
  };
  // Alone, the line is run as any shell line of a command (shell-line.ts: exec'd when plain).
  const line = steps.length === 1 ? text : steps.map(step).join(" && ");

  const bins = upward(manager === "bun" ? start : dir).map((d) => join(d, "node_modules", ".bin"));
  const env = scriptEnv(manager, manifest, { start, packageJson, root, script, text });
  env.PATH = [...bins, baseEnv.PATH || DEFAULT_PATH].join(":");
  return { manager, packageJson, cwd: dir, argv: ["/bin/sh", "-c", line], env, steps };
}
