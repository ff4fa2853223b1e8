// A command written as a string runs under `/bin/sh -c LINE`. Debian's /bin/sh (dash) does not
// exec the last command of such a line: it stays as the program's parent, takes a signal meant
// for the program, and reports the program's death by a signal as an exit code. A line that is
// one plain command ("node server.js --port $PORT") is therefore run as `exec COMMAND`, so the
// program is the run's leader; anything else (operators, redirections, a builtin, keyword or
// assignment first) runs as written, with sh between.
const NOT_PLAIN = /[;&|<>()`\n\\]/;
const SHELL_WORDS = new Set(
  "! . : [ { alias bg break case cd command continue eval exec exit export fg for getopts hash if jobs local read readonly return set shift source test time trap type ulimit umask unset until wait while".split(
    " ",
  ),
);

export function execIfPlain(text: string): string {
  const line = text.trim();
  const first = line.split(/\s+/)[0] ?? "";
  if (line === "" || NOT_PLAIN.test(line) || first.includes("=") || SHELL_WORDS.has(first)) return text;
  return `exec ${line}`;
}

// argv as it is spawned: a `/bin/sh -c LINE` with its line exec'd where it is one plain command.
export function spawnedArgv(argv: string[]): string[] {
  const [sh, flag, line, ...rest] = argv;
  if (sh !== "/bin/sh" || flag !== "-c" || line === undefined || rest.length) return argv;
  return [sh, flag, execIfPlain(line)];
}
