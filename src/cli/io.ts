// What a CLI command may touch. Tests pass a recording Io and call run() without spawning.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  isTty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  isTty: Boolean(process.stdout.isTTY),
};

export function useColor(io: Io): boolean {
  return io.isTty && !io.env.NO_COLOR && io.env.TERM !== "dumb";
}
