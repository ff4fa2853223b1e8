// The real terminal for `tend top`: alternate screen, hidden cursor, raw keys. leave() undoes all
// of it and may be called any number of times, from a normal quit, an error or a signal.
export interface TopTerminal {
  columns(): number;
  rows(): number;
  write(text: string): void;
  onInput(fn: (chunk: string) => void): void;
  onResize(fn: () => void): void;
  enter(): void;
  leave(): void;
}

const ENTER = "\x1b[?1049h\x1b[?25l\x1b[2J";
const LEAVE = "\x1b[0m\x1b[?25h\x1b[?1049l";

export function processTerminal(): TopTerminal {
  const { stdin, stdout } = process;
  let active = false;
  const onSignal = (sig: NodeJS.Signals) => {
    term.leave();
    process.exit(128 + (sig === "SIGHUP" ? 1 : 15));
  };
  const onExit = () => term.leave();
  const term: TopTerminal = {
    columns: () => stdout.columns || 80,
    rows: () => stdout.rows || 24,
    write: (text) => void stdout.write(text),
    onInput(fn) {
      stdin.on("data", (d: Buffer | string) => fn(typeof d === "string" ? d : d.toString("utf8")));
    },
    onResize(fn) {
      stdout.on("resize", fn);
    },
    enter() {
      if (active) return;
      active = true;
      process.on("SIGTERM", onSignal);
      process.on("SIGHUP", onSignal);
      process.on("exit", onExit);
      stdin.setRawMode?.(true);
      stdin.resume();
      stdout.write(ENTER);
    },
    leave() {
      if (!active) return;
      active = false;
      stdout.write(LEAVE);
      stdin.setRawMode?.(false);
      stdin.pause();
      process.off("SIGTERM", onSignal);
      process.off("SIGHUP", onSignal);
      process.off("exit", onExit);
    },
  };
  return term;
}
