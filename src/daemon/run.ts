import type { Config } from "../config/load.ts";
import { errorMessage } from "../errors.ts";
import { createLogger } from "./logger.ts";
import { startDaemon } from "./up.ts";

export const STOP_WITH_STDIN = "TEND_STOP_WITH_STDIN";

// The foreground supervisor: SIGTERM/SIGINT stop everything and exit 0; SIGHUP reloads.
export async function runDaemon(config: Config, format: "text" | "json"): Promise<number> {
  const log = createLogger(format);
  // Read before anything starts: the processes it starts must not inherit it.
  const stopWithStdin = process.env[STOP_WITH_STDIN] === "1";
  delete process.env[STOP_WITH_STDIN];
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon(config, log);
  } catch (err) {
    log.error(errorMessage(err));
    return 1;
  }
  const onStop = (sig: string) => () => {
    log.info(`received ${sig}`);
    void daemon.shutdown();
  };
  const onTerm = onStop("SIGTERM");
  const onInt = onStop("SIGINT");
  const onHup = () => {
    log.info("received SIGHUP: reloading");
    daemon.reload(false).then(
      (plan) => log.info(`reloaded: +${plan.added.length} -${plan.removed.length} ~${plan.changed.length}`),
      (err) => log.error(`reload refused, nothing changed: ${errorMessage(err)}`),
    );
  };
  // The supervisor's last line of defence: a failure nothing else caught is logged and the
  // supervisor goes on, because dying would orphan every process it supervises.
  const onStray = (err: unknown) => log.error(`internal error, supervision continues: ${errorMessage(err)}`);
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  // Started by a program as a supervisor of its own (startSupervisor): that program holds this
  // stdin's other end, so when it goes away, killed or not, everything stops with it.
  if (stopWithStdin) {
    const gone = () => {
      log.info("the program that started this supervisor is gone: stopping");
      void daemon.shutdown();
    };
    process.stdin.on("end", gone);
    process.stdin.on("error", gone);
    process.stdin.resume();
  }
  process.on("SIGHUP", onHup);
  process.on("unhandledRejection", onStray);
  process.on("uncaughtException", onStray);
  const code = await daemon.done;
  process.off("SIGTERM", onTerm);
  process.off("SIGINT", onInt);
  process.off("SIGHUP", onHup);
  process.off("unhandledRejection", onStray);
  process.off("uncaughtException", onStray);
  return code;
}
