import { statSync } from "node:fs";
import type { ConfigIssue } from "../config/issues.ts";
import type { ProcessSpec } from "../config/process-spec.ts";
import { groupProblem, userProblem } from "../config/run-as-check.ts";
import { errorMessage, TendError } from "../errors.ts";
import { type Account, resolveAccount } from "../proc/run-as.ts";
import { childCommand } from "./child-env.ts";

// Everything a process needs from this host to start, found the same way for a start, an exec
// probe and `tend check`: the account, the working directory, the environment (env_file and
// ${VAR} included) and the program on the process's own PATH. What is missing comes back as
// issues with the config's key paths, all at once; a start turns them into its failure.
export interface SpawnPlan {
  argv: string[]; // as written (expanded): argv[0] is what the program sees as its name
  program: string; // the file that runs: argv[0] found on PATH, or made absolute
  env: Record<string, string>;
  cwd: string;
  account: Account | null;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function planSpawn(
  spec: ProcessSpec,
  baseEnv: Record<string, string | undefined>,
  markers: Record<string, string>,
): { plan: SpawnPlan } | { issues: ConfigIssue[] } {
  const key = (k: string) => `processes.${spec.name}.${k}`;
  const issues: ConfigIssue[] = [];
  const problem = (k: string, message: string | null) => {
    if (message) issues.push({ path: key(k), message });
  };
  if (spec.user !== null) problem("user", userProblem(spec.user));
  if (spec.group !== null) problem("group", groupProblem(spec.group));
  let account: Account | null = null;
  if (issues.length === 0) {
    try {
      account = resolveAccount(spec.user, spec.group);
    } catch (err) {
      problem(spec.user !== null ? "user" : "group", errorMessage(err));
    }
  }
  const cwd = spec.cwd ?? process.cwd();
  problem("cwd", directoryProblem(cwd));
  let command: ReturnType<typeof childCommand> | null = null;
  try {
    command = childCommand(spec, baseEnv, account?.env ?? {}, markers);
  } catch (err) {
    // childCommand's messages start with the key path they are about.
    const m = /^(processes\.[^:]+): (.*)$/s.exec(errorMessage(err));
    if (m) issues.push({ path: m[1] as string, message: m[2] as string });
    else problem(spec.envFile ? "env_file" : "env", errorMessage(err));
  }
  if (command === null) return { issues };
  const program = findProgram(command.argv[0] as string, command.env.PATH ?? DEFAULT_PATH, cwd, account);
  if ("problem" in program) problem("command", program.problem);
  if (issues.length) return { issues };
  const path = "path" in program ? program.path : (command.argv[0] as string);
  return { plan: { argv: command.argv, program: path, env: command.env, cwd: command.cwd ?? cwd, account } };
}

// planSpawn for a start: its issues become one SPAWN_FAILED naming them all.
export function requireSpawnPlan(
  spec: ProcessSpec,
  baseEnv: Record<string, string | undefined>,
  markers: Record<string, string>,
): SpawnPlan {
  const r = planSpawn(spec, baseEnv, markers);
  if ("plan" in r) return r.plan;
  throw new TendError(
    "SPAWN_FAILED",
    `cannot start ${spec.name}: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
  );
}

function directoryProblem(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : `cwd ${dir} is not a directory`;
  } catch {
    return `cwd ${dir} does not exist`;
  }
}

// A name with a slash is a path (relative to cwd); a bare name is looked up on PATH, as execvp
// would. The file must be one the account can execute.
function findProgram(
  name: string,
  path: string,
  cwd: string,
  account: Account | null,
): { path: string } | { problem: string } {
  if (name.includes("/")) {
    const p = name.startsWith("/") ? name : `${cwd}/${name}`;
    const why = executableProblem(p, account);
    return why ? { problem: `${name}: ${why}` } : { path: p };
  }
  for (const dir of path.split(":")) {
    const p = `${dir || "."}/${name}`;
    if (executableProblem(p, account) === null) return { path: dir.startsWith("/") ? p : `${cwd}/${p}` };
  }
  const who = account?.env.USER ? ` of ${account.env.USER}` : "";
  return { problem: `"${name}" not found on the PATH${who} (${path})` };
}

function executableProblem(path: string, account: Account | null): string | null {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return "no such file";
  }
  if (!st.isFile()) return "not a file";
  const uid = account?.uid ?? process.geteuid?.() ?? 0;
  const gid = account?.gid ?? process.getegid?.() ?? 0;
  const mode = Number(st.mode);
  const can =
    uid === 0 ? mode & 0o111 : st.uid === uid ? mode & 0o100 : st.gid === gid ? mode & 0o010 : mode & 0o001;
  return can ? null : `not executable${account?.env.USER ? ` by ${account.env.USER}` : ""}`;
}
