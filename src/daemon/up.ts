import { mkdirSync, unlinkSync } from "node:fs";
import { LiveAlerts } from "../alerts/alert-rules-live.ts";
import { createApp } from "../api/app.ts";
import { metricsOnlyFetch } from "../api/handlers.ts";
import { endAllStreams } from "../api/sse.ts";
import { systemClock } from "../clock.ts";
import type { Config } from "../config/load.ts";
import { loadConfigIsolated } from "../config/load-isolated.ts";
import type { Dashboard } from "../dashboard/server.ts";
import type { EventRecord } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import { DroppedLines } from "../logs/dropped-lines.ts";
import { LogHub } from "../logs/log-hub.ts";
import { MetricsSampler, MIN_SAMPLE_MS } from "../metrics/sampler.ts";
import type { TreeRoot } from "../metrics/tree-sample.ts";
import { becomeSubreaper } from "../proc/libc.ts";
import { sweepOutputPipesSoon } from "../proc/output-pipe.ts";
import { installReaper, reapOrphans } from "../proc/reaper.ts";
import { requireTrustedDir } from "../proc/trust.ts";
import { Store } from "../store/store.ts";
import { createLauncher, ownerMarkerFor, stateKeyOf } from "../supervisor/launcher.ts";
import { recoverOrphans } from "../supervisor/recovery.ts";
import { Supervisor } from "../supervisor/supervisor.ts";
import { chooseTracking } from "../supervisor/tracking.ts";
import { linkSystemd, type SystemdLink } from "../systemd/notify-link.ts";
import { FileWatcher } from "../watch/file-watcher.ts";
import { HeapKeeper } from "./heap-keeper.ts";
import { lockStateDir } from "./lock.ts";
import type { Logger } from "./logger.ts";
import { listenMetrics } from "./metrics-listen.ts";
import { createReloader, type Reload } from "./reloader.ts";
import { checkBoundSocket, prepareSocketPath, socketUmask } from "./socket.ts";

export interface Daemon {
  supervisor: Supervisor;
  socketPath: string;
  // Resolves with the exit code once the supervisor has stopped everything and closed.
  done: Promise<number>;
  shutdown(): Promise<number>;
  // The reload every entry point uses (SIGHUP, the API): one at a time, announced to systemd.
  reload: Reload;
}

// `tend up`: lock the state dir, recover from a previous crash, serve the socket, start processes.
export async function startDaemon(config: Config, log: Logger): Promise<Daemon> {
  const s = config.supervisor;
  mkdirSync(s.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(s.logDir, { recursive: true, mode: 0o750 });
  // SQLite cannot open its -wal and -shm files without following symlinks: the directories
  // themselves must be ones no other user can put anything in.
  requireTrustedDir(s.stateDir, "state_dir");
  requireTrustedDir(s.logDir, "log_dir");
  const lock = lockStateDir(s.stateDir);
  let store: Store | null = null;
  let systemd: SystemdLink | null = null;
  try {
    const { gid: socketGid } = await prepareSocketPath(s.socketPath, s.socketGroup);
    store = new Store(s.stateDir, {
      runRetention: s.runRetention,
      eventRetention: s.eventRetention,
      eventMaxAgeMs: s.eventMaxAgeMs,
    });
    if (!becomeSubreaper()) log.warn("could not become a child subreaper; orphaned grandchildren go to init");
    const uninstallReaper = installReaper();
    const logs = new LogHub({
      dir: s.logDir,
      ringLines: s.logBufferLines,
      onDropped: (name, lines) => dropped.note(name, lines),
      onSubscriberFailed: (name, error) =>
        log.warn(`${name}: a reader of its lines failed and was dropped: ${error}`),
      onRotationFailed: (name, path, error) => {
        log.error(
          `${name}: rotating ${path} failed; it grows to twice log_max_size, then lines are dropped: ${error}`,
        );
        supervisor.bus.emit({
          at: Date.now(),
          process: name,
          type: "logs.rotation_failed",
          state: null,
          reason: "rotation_failed",
          details: { path, error },
        });
      },
    });
    const ownerMarker = ownerMarkerFor(s.stateDir);
    const tracking = chooseTracking(s.cgroups, stateKeyOf(s.stateDir));
    log.info(`process tracking: ${tracking.describe}`);
    if (tracking.hint) log.warn(`process tracking: ${tracking.hint}`);
    const launcher = createLauncher({ logs, socketPath: s.socketPath, ownerMarker, tracking });
    // One /proc scan per tick for every tree; the supervisor says which trees and acts on samples.
    const metrics: MetricsSampler = new MetricsSampler({
      clock: systemClock,
      intervalMs: Math.max(MIN_SAMPLE_MS, s.metricsIntervalMs),
      roots: (): TreeRoot[] => supervisor.metricRoots(),
      onSample: (name, m): void => {
        supervisor.onSample(name, m);
        activity();
      },
      needed: () => supervisor.needsSamples(),
    });
    const supervisor: Supervisor = new Supervisor(config, {
      clock: systemClock,
      store,
      launcher,
      logs,
      metrics,
      // A reload checks the file in a child too (load-isolated.ts).
      loadConfig: (path, environment) => loadConfigIsolated(path, process.env, environment),
      report: (message) => log.error(message),
      watch: (spec, onChange, onProblem) => {
        const { patterns, ignore, debounceMs, cwd } = spec;
        const w = new FileWatcher({
          cwd,
          patterns,
          ignore,
          debounceMs,
          clock: systemClock,
          onChange,
          onProblem,
        });
        w.start();
        return w;
      },
    });
    // Rebuilt when a reload changes [[alerts]].
    const alerter = new LiveAlerts(config.alerts, {
      currentRules: () => supervisor.alertRules,
      clock: systemClock,
      subscribe: (l) => supervisor.subscribe(l),
      lines: logs.lines,
      processNames: () => supervisor.list().map((p) => p.name),
      record: (type, process, details) =>
        supervisor.bus.emit({ at: Date.now(), process, type, state: null, reason: null, details }),
    });
    const dropped = new DroppedLines((name, lines) =>
      supervisor.bus.emit({
        at: Date.now(),
        process: name,
        type: "logs.dropped",
        state: null,
        reason: "write_failed",
        details: { lines },
      }),
    );
    // Before any child is spawned: the link takes NOTIFY_SOCKET and WATCHDOG_* out of the env.
    systemd = linkSystemd({
      env: process.env,
      pid: process.pid,
      clock: systemClock,
      control: supervisor,
      warn: (m) => log.warn(m),
    });
    const specs = new Map(config.processes.map((p) => [p.name, p]));
    const recovered = await recoverOrphans(
      supervisor.records,
      systemClock,
      specs,
      (type, process, details) => {
        supervisor.bus.emit({ at: Date.now(), process, type, state: null, reason: "orphaned", details });
      },
      ownerMarker,
      () => tracking.runCgroups(),
    );
    for (const r of recovered.filter((r) => r.wasAlive)) {
      log.info(`stopped orphan of ${r.process} from a previous supervisor (run ${r.runId}, pid ${r.pid})`);
    }

    const heap = new HeapKeeper();
    // Something happened (an event, a request, a metrics tick): a second later the heap is checked
    // and the output pipes swept; while nothing happens, neither runs.
    const activity = (): void => {
      heap.poke();
      sweepOutputPipesSoon();
    };
    let resolveDone: (code: number) => void = () => {};
    const done = new Promise<number>((r) => {
      resolveDone = r;
    });
    let stopping: Promise<number> | null = null;
    const shutdown = (): Promise<number> => {
      stopping ??= (async () => {
        systemd?.stopping();
        log.info("stopping all processes");
        await supervisor.shutdown();
        metrics.stop();
        heap.stop();
        metricsServer?.stop(true);
        dashboard?.stop();
        // Followers (logs -f, events -f) hear that the supervisor stopped, then the connections go.
        endAllStreams("the supervisor stopped");
        // Let in-flight answers (the shutdown request's own) go out; then cut the rest.
        await Promise.race([server.stop(false), Bun.sleep(500)]);
        server.stop(true);
        try {
          unlinkSync(s.socketPath);
        } catch {
          // Already gone (removed by hand): nothing is left to clean up.
        }
        uninstallReaper();
        reapOrphans();
        const left = tracking.close();
        if (left) log.warn(`process tracking: ${left}`);
        alerter.stop();
        logs.close();
        if (!supervisor.records.flush())
          log.error(`${supervisor.records.health().pendingWrites} records could not be written to the store`);
        supervisor.records.close();
        store?.close();
        lock.release();
        systemd?.close();
        log.info("supervisor stopped");
        resolveDone(0);
        return 0;
      })().catch((err) => {
        log.error(`shutdown failed: ${errorMessage(err)}`);
        resolveDone(1);
        return 1;
      });
      return stopping;
    };

    supervisor.subscribe((e) => {
      activity();
      const line = describeForLog(e);
      if (line) log.info(line);
    });
    const reload = createReloader(supervisor, systemd, () => stopping !== null);
    let dashboard: Dashboard | null = null;
    const app = createApp(supervisor, {
      onShutdown: () => void shutdown(),
      reload,
      heap: () => heap.stats(),
      dashboardLogin: () => dashboard?.login() ?? null,
    });
    const oldUmask = process.umask(socketUmask(socketGid));
    const server = Bun.serve({
      unix: s.socketPath,
      fetch: (req) => {
        activity();
        return app.handle(req);
      },
      maxRequestBodySize: 1024 * 1024,
    });
    process.umask(oldUmask);
    checkBoundSocket(s.socketPath, socketGid);
    log.info(`listening on ${s.socketPath}`);
    const metricsServer = s.metricsListen
      ? listenMetrics(s.metricsListen, metricsOnlyFetch(supervisor))
      : null;
    if (metricsServer) log.info(`serving /metrics on ${s.metricsListen}`);
    if (s.dashboard) {
      // Loaded only when configured: its page and node:crypto cost an idle supervisor nothing.
      const { startDashboard } = await import("../dashboard/server.ts");
      dashboard = startDashboard(s.dashboard, (req) => app.handle(req));
      log.info(`serving the dashboard on ${dashboard.url} (tend dashboard prints a login address)`);
    }

    await supervisor.startAll();
    heap.start();
    // A shutdown asked for during startup has already sent STOPPING=1.
    if (!stopping) systemd?.ready();
    return { supervisor, socketPath: s.socketPath, done, shutdown, reload };
  } catch (err) {
    systemd?.close();
    store?.close();
    lock.release();
    throw err;
  }
}

// The events worth a line in the journal: the ones an operator would want to see unprompted.
function describeForLog(e: EventRecord): string | null {
  const d = e.details ?? {};
  if (e.type === "process.failed")
    return `${e.process}: failed (${e.reason})${d.error ? `: ${d.error}` : ""}`;
  if (e.type === "run.exited" && e.reason === "crashed") {
    return `${e.process}: pid ${d.pid} ${d.signal ? `killed by ${d.signal}` : `exited with code ${d.code}`}`;
  }
  return null;
}
