import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
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
  // O_NOFOLLOW: a tend.lock symlink someone left there is refused, never written through.
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  if (!tryLockFd(fd)) {
    closeSync(fd);
    let holder = "another process";
    try {
      const pid = readFileSync(path, "utf8").trim();
      if (pid) holder = `tend pid ${pid}`;
    } catch {
      // Unreadable: "another process" is all that can be said.
    }
    throw new TendError(
      "ALREADY_RUNNING",
      `${holder} already supervises state dir ${stateDir} (lock ${path})`,
    );
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  return {
    release() {
      closeSync(fd);
    },
  };
}
