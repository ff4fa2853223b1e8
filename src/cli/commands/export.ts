import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { errorMessage } from "../../errors.ts";
import { type ParsedArgs, str } from "../args.ts";
import { CliError, EXIT, usageError } from "../cli-error.ts";
import type { Io } from "../io.ts";
import { defaultConfigFile, environmentFlag } from "./config.ts";
import type { Command } from "./types.ts";

const TARGETS = ["kubernetes", "systemd"] as const;
type Target = (typeof TARGETS)[number];

// The flags each target reads; another target's flag is a usage error, not ignored.
const TARGET_FLAGS: Record<Target, string[]> = {
  kubernetes: ["image", "namespace", "wait-image"],
  systemd: ["prefix", "systemd-version"],
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const exportCommand: Command = {
  name: "export",
  usage:
    "tend export kubernetes|systemd [-c FILE] [--env NAME] [-o DIR] [--image IMAGE] [--namespace NS] " +
    "[--wait-image IMAGE] [--prefix NAME] [--systemd-version N]",
  summary: "write the config as Kubernetes objects or systemd units; what is not carried over goes to stderr",
  flags: {
    config: { takes: "value", alias: "-c" },
    env: { takes: "value" },
    output: { takes: "value", alias: "-o" },
    image: { takes: "value" },
    namespace: { takes: "value" },
    "wait-image": { takes: "value" },
    prefix: { takes: "value" },
    "systemd-version": { takes: "value" },
  },
  async run(args, io) {
    const target = targetOf(args);
    const file = str(args, "config") ?? defaultConfigFile(io.env);
    const environment = environmentFlag(args, "export");
    const { loadConfig } = await import("../../config/load.ts");
    const { ConfigError } = await import("../../config/issues.ts");
    const { ExportError } = await import("../../export/result.ts");
    let config: import("../../config/load.ts").Config;
    try {
      config = loadConfig(file, io.env, undefined, environment);
    } catch (err) {
      if (err instanceof ConfigError) throw new CliError(err.message, EXIT.failed);
      throw err;
    }
    let result: import("../../export/result.ts").ExportResult;
    try {
      result = await exportTo(target, config, args, io);
    } catch (err) {
      if (err instanceof ExportError) throw new CliError(err.message, EXIT.failed);
      throw err;
    }
    const out = str(args, "output");
    // On stdout, a unit is preceded by the name of the file it would be; a Kubernetes document
    // names its process in its first comment.
    const shown = (f: { path: string; text: string }) =>
      target === "systemd" ? `# file: ${f.path}\n${f.text}\n` : f.text;
    if (out === undefined) io.out(result.files.map(shown).join(""));
    else writeFiles(resolve(out), result.files, io);
    io.err(result.notes.render(`tend export ${target}: not carried over exactly:`));
    return EXIT.ok;
  },
};

function targetOf(args: ParsedArgs): Target {
  const [target, ...extra] = args.positionals;
  if (target === undefined) throw usageError("tend export: name a target: kubernetes or systemd", "export");
  if (!(TARGETS as readonly string[]).includes(target))
    throw usageError(`tend export: unknown target "${target}": expected kubernetes or systemd`, "export");
  if (extra.length) throw usageError(`tend export: unexpected argument "${extra[0]}"`, "export");
  const t = target as Target;
  for (const [other, flags] of Object.entries(TARGET_FLAGS))
    if (other !== t)
      for (const flag of flags)
        if (args.flags[flag] !== undefined)
          throw usageError(`tend export ${t}: --${flag} is an option of tend export ${other}`, "export");
  return t;
}

async function exportTo(
  target: Target,
  config: import("../../config/load.ts").Config,
  args: ParsedArgs,
  io: Io,
): Promise<import("../../export/result.ts").ExportResult> {
  if (target === "kubernetes") {
    const namespace = str(args, "namespace") ?? null;
    if (namespace !== null && !DNS_LABEL.test(namespace))
      throw usageError(
        `--namespace "${namespace}": expected a DNS label (lowercase letters, digits and "-", at most 63)`,
        "export",
      );
    const image = imageFlag(args, "image");
    const waitImage = imageFlag(args, "wait-image") ?? "busybox:1.36";
    const { exportKubernetes } = await import("../../export/kubernetes.ts");
    return exportKubernetes(config, { image, namespace, waitImage });
  }
  const prefix = str(args, "prefix") ?? "tend";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix))
    throw usageError(`--prefix "${prefix}": expected letters, digits, "_", "-" or "."`, "export");
  const { exportSystemd } = await import("../../export/systemd.ts");
  return exportSystemd(config, { prefix, version: systemdVersion(args), path: io.env.PATH });
}

function imageFlag(args: ParsedArgs, flag: string): string | null {
  const v = str(args, flag);
  if (v === undefined) return null;
  if (v === "" || /\s/.test(v))
    throw usageError(`--${flag} "${v}": expected an image like ghcr.io/acme/api:1.4`, "export");
  return v;
}

function systemdVersion(args: ParsedArgs): number {
  const given = str(args, "systemd-version");
  if (given !== undefined) {
    if (!/^\d{3}$/.test(given))
      throw usageError(`--systemd-version "${given}": expected a version number like 252`, "export");
    return Number(given);
  }
  let text = "";
  try {
    const r = Bun.spawnSync(["systemctl", "--version"], { stdout: "pipe", stderr: "ignore" });
    text = r.stdout.toString();
  } catch (err) {
    throw new CliError(
      `tend export systemd: cannot run systemctl --version (${errorMessage(err)}); give --systemd-version N`,
      EXIT.failed,
    );
  }
  const m = /^systemd (\d+)/.exec(text);
  if (!m)
    throw new CliError(
      "tend export systemd: systemctl --version did not say which systemd this is; give --systemd-version N",
      EXIT.failed,
    );
  return Number(m[1]);
}

// Every file is written to a temporary name first and renamed into place only once all were
// written, so a failure to write (a full disk, a read-only directory) leaves the previous export
// as it was. A Secret's file is 0600 from the start.
function writeFiles(dir: string, files: { path: string; text: string; mode?: number }[], io: Io): void {
  const staged: { tmp: string; path: string }[] = [];
  const removeStaged = () => {
    for (const { tmp } of staged) rmSync(tmp, { force: true });
  };
  try {
    for (const f of files) {
      const path = join(dir, f.path);
      const tmp = `${path}.tmp-${process.pid}`;
      if (staged.some((s) => s.path === path)) throw new Error(`${f.path} would be written twice`);
      mkdirSync(dirname(path), { recursive: true });
      staged.push({ tmp, path });
      writeFileSync(tmp, f.text, { mode: f.mode ?? 0o644 });
      chmodSync(tmp, f.mode ?? 0o644);
    }
  } catch (err) {
    removeStaged();
    throw new CliError(
      `tend export: cannot write to ${dir}: ${errorMessage(err)}; no file replaced`,
      EXIT.failed,
    );
  }
  const renamed: string[] = [];
  for (const { tmp, path } of staged) {
    try {
      renameSync(tmp, path);
    } catch (err) {
      removeStaged();
      const done = renamed.length ? `; already replaced: ${renamed.join(", ")}` : "; no file replaced";
      throw new CliError(`tend export: cannot replace ${path}: ${errorMessage(err)}${done}`, EXIT.failed);
    }
    renamed.push(path);
    io.out(`wrote ${path}\n`);
  }
}
