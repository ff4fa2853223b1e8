import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TendError } from "../errors.ts";
import { tryLockFd } from "../proc/libc.ts";

// One supervisor per state directory: an flock on state_dir/tend.lock, released by the kernel
// when the holder dies (even by SIGKILL), so a crash never leaves a stale lock behind.
export interface StateLock {
  release(): void;
}

export function lockStateDir(stateDir: string): StateLock {
  const path = join(stateDir, "tend.lock");
  const fd = openSync(path, "a+", 0o600);
  if (!tryLockFd(fd)) {
    closeSync(fd);
    let holder = "another process";
    try {
      const pid = readFileSync(path, "utf8").trim();
      if (pid) holder = `tend pid ${pid}`;
    } catch {}
    throw new TendError(
      "ALREADY_RUNNING",
      `${holder} already supervises state dir ${stateDir} (lock ${path})`,
    );
  }
  writeFileSync(path, `${process.pid}\n`);
  return {
    release() {
      closeSync(fd);
    },
  };
}
