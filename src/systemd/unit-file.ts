import { dirname, relative } from "node:path";

// A systemd service unit for `tend up`, from what the config resolves to. Pure: the caller
// finds the binary and loads the config.
export interface UnitInput {
  exec: string[]; // how to run this tend: [binary], or [bun, src/main.ts] from sources
  fromSources: boolean;
  configPath: string; // absolute
  configFound: boolean;
  environment: string | null; // `tend up --env NAME`
  socketPath: string;
  socketGroup: string | null;
  stateDir: string;
  logDir: string;
  stopBudgetMs: number; // the longest chain of stop_timeouts a shutdown may wait through
  mode: "system" | "user";
  runtimeBase: string | null; // what RuntimeDirectory= is relative to: /run, or $XDG_RUNTIME_DIR
  version: string;
}

// After the last stop_timeout, a stop still SIGKILLs survivors, waits for the trees to go and
// closes the store; systemd's own SIGKILL must come only after that.
const STOP_MARGIN_S = 10;
const WATCHDOG_S = 30;

export function renderUnit(u: UnitInput): string {
  const system = u.mode === "system";
  const tend = u.exec.map(quoteArg).join(" ");
  const budgetS = Math.ceil(u.stopBudgetMs / 1000);
  const lines: string[] = [
    `# tend.service, written by \`tend systemd-unit${system ? "" : " --user"}\` (tend ${u.version}).`,
    "# Regenerate it after moving the binary or changing stop_timeout or [supervisor] paths.",
  ];
  if (u.fromSources)
    lines.push(
      "# Generated from sources: ExecStart runs Bun on src/main.ts. For a host, build the binary",
      "# (npm run build), install it, and run its `tend systemd-unit` instead.",
    );
  if (!u.configFound)
    lines.push(`# ${u.configPath} did not exist yet: the [supervisor] defaults are assumed.`);
  lines.push("", "[Unit]", "Description=tend process supervisor");
  if (system) lines.push("Wants=network-online.target", "After=network-online.target");
  lines.push(
    "",
    "[Service]",
    "# tend says READY=1 once the autostart processes are started, and RELOADING=1/READY=1 and",
    "# STOPPING=1 around reloads and shutdown; only the supervisor itself may notify.",
    "Type=notify",
    "NotifyAccess=main",
    `ExecStart=${tend} up -c ${quoteArg(u.configPath)}${u.environment ? ` --env ${quoteArg(u.environment)}` : ""}`,
    "# Synchronous: `systemctl reload tend` returns once the new config is applied, and fails",
    "# listing every error when it is invalid (nothing changes then).",
    `ExecReload=${tend} reload --socket ${quoteArg(u.socketPath)}`,
    "# SIGTERM goes to tend alone, which stops every process itself (stop_signal, then SIGKILL after",
    "# stop_timeout); systemd SIGKILLs what is left only after TimeoutStopSec.",
    "KillMode=mixed",
    "# tend makes a cgroup per run below its own and moves itself into a leaf of it: nothing a",
    "# process does (daemonize, setsid, a cleared environment) takes it out of tend's sight.",
    "# If tend itself dies, systemd SIGKILLs what is left in the unit's cgroup (KillMode=mixed);",
    "# Restart=on-failure then starts tend, which starts the processes afresh.",
    "Delegate=yes",
    `# ${budgetS}s: the stop_timeouts of the longest dependency chain (dependents stop first), at`,
    `# least the 10s default, plus ${STOP_MARGIN_S}s.`,
    `TimeoutStopSec=${budgetS + STOP_MARGIN_S}s`,
    "Restart=on-failure",
    "RestartSec=1s",
    "# tend pings from its event loop every WatchdogSec/2; a wedged supervisor is restarted.",
    `WatchdogSec=${WATCHDOG_S}s`,
    ...directories(u),
    "",
    ...(system ? SYSTEM_HARDENING : USER_HARDENING),
    "",
    "[Install]",
    `WantedBy=${system ? "multi-user.target" : "default.target"}`,
  );
  return `${lines.join("\n")}\n`;
}

// systemd creates (and on stop removes, for RuntimeDirectory) the directories tend uses, with
// the modes tend would give them; only those under the base systemd manages can be named.
function directories(u: UnitInput): string[] {
  const out: string[] = [];
  const add = (key: string, base: string | null, dir: string, mode: string) => {
    const rel = base === null ? null : relative(base, dir);
    if (rel === null || rel === "" || rel.startsWith("..")) {
      out.push(`# ${dir} is outside ${base ?? "the directories systemd manages"}: tend creates it itself.`);
      return;
    }
    out.push(`${key}=${rel}`, `${key}Mode=${mode}`);
  };
  // With socket_group, the group must reach the 0660 socket through the directory.
  add("RuntimeDirectory", u.runtimeBase, dirname(u.socketPath), u.socketGroup ? "0755" : "0700");
  if (u.mode === "system") {
    add("StateDirectory", "/var/lib", u.stateDir, "0700");
    add("LogsDirectory", "/var/log", u.logDir, "0750");
  } else {
    out.push(
      "# State and log directories: tend creates them (their user-mode base varies by systemd version).",
    );
  }
  return out;
}

// Supervised services inherit the supervisor's sandbox, so only settings no ordinary service
// notices are on.
const SYSTEM_HARDENING = [
  "# Hardening that supervised services (which inherit it) do not notice:",
  "ProtectKernelModules=yes",
  "ProtectKernelLogs=yes",
  "LockPersonality=yes",
  "# Deliberately not set, because every supervised service would inherit it:",
  "#   NoNewPrivileges=yes breaks setuid and file-capability programs (sudo, su, ping);",
  "#   ProtectSystem=, ProtectHome=, PrivateTmp= hide or freeze paths services read and write;",
  "#   PrivateDevices=, RestrictNamespaces=, MemoryDenyWriteExecute= break GPU and serial",
  "#     services, containers and sandboxes, and JIT runtimes (Bun, Node.js, the JVM).",
];

const USER_HARDENING = [
  "# No sandboxing options: in a user manager they need user namespaces and imply",
  "# NoNewPrivileges=yes, which every supervised service would inherit.",
];

// One argument of an Exec line: `%` starts a specifier and `$` a variable, so both are doubled;
// anything with spaces, quotes or backslashes is double-quoted with C escapes.
export function quoteArg(arg: string): string {
  const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (escaped !== "" && !/[\s"'\\;]/.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}
