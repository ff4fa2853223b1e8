import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorMessage } from "../../errors.ts";
import { bool, str } from "../args.ts";
import { CliError, EXIT, usageError } from "../cli-error.ts";
import type { Command } from "./types.ts";

export const importCommand: Command = {
  name: "import",
  usage: "tend import FILE [-o tend.toml] [--from procfile|process-compose|pm2|supervisord] [--force]",
  summary: "write a tend.toml from a Procfile, process-compose.yaml, PM2 ecosystem file or supervisord.conf",
  flags: {
    output: { takes: "value", alias: "-o" },
    from: { takes: "value" },
    force: { takes: "bool" },
  },
  async run(args, io) {
    const [source, ...extra] = args.positionals;
    if (source === undefined) throw usageError("tend import: name the file to import", "import");
    if (extra.length) throw usageError(`tend import: unexpected argument "${extra[0]}"`, "import");
    const { SOURCE_FORMATS } = await import("../../import/imported.ts");
    const from = str(args, "from");
    if (from !== undefined && !(SOURCE_FORMATS as readonly string[]).includes(from))
      throw usageError(`--from "${from}": expected one of ${SOURCE_FORMATS.join(", ")}`, "import");
    const out = str(args, "output");
    const target = out === undefined ? null : resolve(out);
    if (target !== null && existsSync(target) && !bool(args, "force"))
      throw new CliError(`tend import: ${target} exists; give --force to replace it`, EXIT.failed);
    const { readForeign } = await import("../../import/read.ts");
    const { importedToml } = await import("../../import/write-toml.ts");
    const { buildConfig } = await import("../../config/load.ts");
    const { ConfigError } = await import("../../config/issues.ts");
    const { ImportError } = await import("../../import/imported.ts");
    const file = resolve(source);
    let imported: import("../../import/imported.ts").Imported;
    try {
      imported = readForeign(
        file,
        from as import("../../import/imported.ts").SourceFormat | undefined,
        undefined,
        io.env,
      );
    } catch (err) {
      if (err instanceof ImportError || err instanceof ConfigError)
        throw new CliError(err.message, EXIT.failed);
      throw err;
    }
    const text = importedToml(file, imported);
    // What is written is what tend reads: checked as `tend check --schema-only` would.
    try {
      buildConfig(target ?? file, Bun.TOML.parse(text), io.env);
    } catch (err) {
      if (err instanceof ConfigError)
        throw new CliError(`tend import: the result does not pass tend check:\n${err.message}`, EXIT.failed);
      throw err;
    }
    io.err(imported.notes.render(`tend import ${file}: not carried over exactly:`));
    if (target === null) io.out(text);
    else {
      const tmp = `${target}.tmp-${process.pid}`;
      try {
        writeFileSync(tmp, text);
        renameSync(tmp, target);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw new CliError(`tend import: cannot write ${target}: ${errorMessage(err)}`, EXIT.failed);
      }
      io.out(`wrote ${target}: ${Object.keys(imported.processes).length} process(es)\n`);
    }
    return EXIT.ok;
  },
};
