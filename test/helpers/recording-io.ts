import type { Io } from "../../src/cli/io.ts";

// An Io that keeps what the CLI printed, for run(argv, io) tests.
export interface RecordingIo extends Io {
  stdout: string;
  stderr: string;
}

export function recordingIo(env: Record<string, string | undefined> = {}): RecordingIo {
  const io: RecordingIo = {
    stdout: "",
    stderr: "",
    env: { NO_COLOR: "1", ...env },
    isTty: false,
    out(text) {
      io.stdout += text;
    },
    err(text) {
      io.stderr += text;
    },
  };
  return io;
}
