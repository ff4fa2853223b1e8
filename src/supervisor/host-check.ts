import type { ConfigIssue } from "../config/issues.ts";
import type { Config } from "../config/load.ts";
import { findGroup } from "../proc/accounts.ts";
import { planSpawn } from "./spawn-plan.ts";

// What `tend check` adds to the schema: whether this host can start the config. Every process
// is planned the way a start plans it (account, cwd, env_file, ${VAR}, the program on the
// process's PATH), with `env` as the supervisor's environment; socket_group must exist. A start
// fails with the same message when one of these is missing then.
export function hostIssues(config: Config, env: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const group = config.supervisor.socketGroup;
  if (group !== null && !findGroup(group))
    issues.push({ path: "supervisor.socket_group", message: `no group "${group}" in /etc/group` });
  for (const spec of config.processes) {
    const r = planSpawn(spec, env, {});
    if ("issues" in r) issues.push(...r.issues);
  }
  return issues;
}
