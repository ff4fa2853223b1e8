import { usageError } from "../cli-error.ts";
import { CLIENT_FLAGS, clientFor } from "../context.ts";
import type { Command } from "./types.ts";

// `tend completion bash|zsh|fish`: a completion script made from the verbs' own table (their
// names, summaries, flags, and whether they take process names), so it can never list a flag a
// verb does not take. Process names come from the running supervisor, through `tend __names`.
const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];

export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: "completion",
    usage: "tend completion bash|zsh|fish",
    summary: "print a shell completion script: source <(tend completion bash)",
    flags: {},
    async run(args, io) {
      const [shell, ...extra] = args.positionals;
      if (!SHELLS.includes(shell as Shell) || extra.length)
        throw usageError("tend completion takes one shell: bash, zsh or fish", "completion");
      io.out(
        scriptFor(
          shell as Shell,
          commands().filter((c) => !c.hidden),
        ),
      );
      return 0;
    },
  };
}

// The process names, one per line, for completion scripts: nothing (and exit 0) when no
// supervisor answers, so a completion never prints an error into the command line.
export const names: Command = {
  name: "__names",
  usage: "tend __names",
  summary: "process names, one per line (for completion scripts)",
  hidden: true,
  noArguments: true,
  flags: { ...CLIENT_FLAGS },
  async run(args, io) {
    try {
      const list = await (await clientFor(args, io)).list();
      const all = new Set(list.flatMap((p) => (p.replicaOf ? [p.replicaOf, p.name] : [p.name])));
      io.out([...all].map((n) => `${n}\n`).join(""));
    } catch {
      // No supervisor, or one that refused: no names to offer, which is all completion needs.
    }
    return 0;
  },
};

function flagsOf(c: Command): string[] {
  return Object.entries(c.flags).flatMap(([name, spec]) => [
    `--${name}`,
    ...(spec.alias ? [spec.alias] : []),
  ]);
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function scriptFor(shell: Shell, commands: readonly Command[]): string {
  const verbs = commands.map((c) => c.name).join(" ");
  const withNames = commands.filter((c) => c.takesNames).map((c) => c.name);
  if (shell === "bash") {
    const cases = commands.map((c) => `    ${c.name}) opts=${quote(flagsOf(c).join(" "))} ;;`).join("\n");
    return `# tend completion for bash: source <(tend completion bash), or save it in
# /etc/bash_completion.d/tend. Made by \`tend completion bash\`.
_tend() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(verbs)} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
    ${withNames.join("|")})
      COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" __names 2>/dev/null)" -- "$cur")) ;;
  esac
}
complete -o default -F _tend tend
`;
  }
  if (shell === "zsh") {
    const cases = commands
      .map((c) => `    ${c.name}) opts=(${flagsOf(c).map(quote).join(" ")}) ;;`)
      .join("\n");
    const described = commands.map((c) => quote(`${c.name}:${c.summary}`)).join(" ");
    return `#compdef tend
# tend completion for zsh: source <(tend completion zsh) after compinit, or save it as _tend
# in a directory of $fpath. Made by \`tend completion zsh\`.
_tend() {
  local -a verbs opts
  if (( CURRENT == 2 )); then
    verbs=(${described})
    _describe 'tend verb' verbs
    return
  fi
  case \${words[2]} in
${cases}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -- $opts
    return
  fi
  case \${words[2]} in
    ${withNames.join("|")})
      compadd -- \${(f)"$(\${words[1]} __names 2>/dev/null)"} ;;
  esac
}
compdef _tend tend
`;
  }
  const lines = [
    "# tend completion for fish: tend completion fish | source, or save it as",
    "# ~/.config/fish/completions/tend.fish. Made by `tend completion fish`.",
    "complete -c tend -f",
    "function __tend_names; set -l tend (commandline -opc)[1]; $tend __names 2>/dev/null; end",
    ...commands.map((c) => `complete -c tend -n __fish_use_subcommand -a ${c.name} -d ${quote(c.summary)}`),
    `complete -c tend -n ${quote(`__fish_seen_subcommand_from ${withNames.join(" ")}`)} -a '(__tend_names)'`,
    ...commands.flatMap((c) =>
      Object.entries(c.flags).map(([name, spec]) => {
        const short = spec.alias && /^-[A-Za-z]$/.test(spec.alias) ? ` -s ${spec.alias.slice(1)}` : "";
        const value = spec.takes === "bool" ? "" : " -r";
        return `complete -c tend -n ${quote(`__fish_seen_subcommand_from ${c.name}`)} -l ${name}${short}${value}`;
      }),
    ),
  ];
  return `${lines.join("\n")}\n`;
}
