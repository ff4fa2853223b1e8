// The supervisor's own log, on stderr (what journald collects under systemd).
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(
  format: "text" | "json",
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const out = (level: string, msg: string) => {
    if (format === "json") write(`${JSON.stringify({ time: new Date().toISOString(), level, msg })}\n`);
    else write(`tend: ${level === "info" ? "" : `${level}: `}${msg}\n`);
  };
  return {
    info: (m) => out("info", m),
    warn: (m) => out("warn", m),
    error: (m) => out("error", m),
  };
}
