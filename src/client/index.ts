// tend/client: the control API of a running supervisor, typed, over its unix socket. It needs
// nothing but the runtime (Bun, or Node.js 20 and later); every route is a method, logs() and
// events() are async iterators that follow (and reconnect while the supervisor restarts), and
// every refusal is a TendApiError carrying the API's code.
//
//   import { connect } from "tend/client";
//   const tend = connect();                       // $TEND_SOCKET, or this user's default socket
//   await tend.add({ name: "web", command: ["python3", "-m", "http.server", "8000"] });
//   await tend.wait("web", { for: "started" });
//   for await (const line of tend.logs("web", { follow: true })) console.log(line.text);

import type {
  EventRecord,
  EventsQuery,
  LogEntry,
  LogsQuery,
  ProcessSnapshot,
  RouteMethods,
  RouteName,
  Sample,
} from "../api/surface.gen.ts";
import { ROUTES } from "../api/surface.gen.ts";
import { defaultSocketPath } from "../config/paths.ts";
import { socketProblem } from "../proc/trust.ts";
import { type Answer, pathOf, pause, readAll, serverSentEvents, transport, why } from "./transport.ts";

export type * from "../api/surface.gen.ts";
// How each key of a process table is written on a command line (`tend add` reads it).
export { PROCESS_KEYS } from "../api/surface.gen.ts";

import { refusal, TendApiError, unreachable } from "./error.ts";
import { msOf, type WaitOptions, waitFor } from "./wait.ts";

export { type ErrorCode, TendApiError } from "./error.ts";
export { conditionMet, WAIT_CONDITIONS, type WaitCondition, type WaitOptions } from "./wait.ts";

export interface ConnectOptions {
  socket?: string; // default: $TEND_SOCKET, else the default socket for this user
  // How long a following logs()/events()/on() keeps trying to reconnect after the supervisor
  // went away (a restart), in ms or a duration like "30s"; 0: end (or throw) at once.
  reconnect?: number | string;
}

export interface FollowOptions {
  follow?: boolean;
  reconnect?: number | string; // overrides the client's
  signal?: AbortSignal; // ends the iteration
  onEnd?: (reason: string) => void; // the supervisor closed the stream on purpose (shutting down)
}

export type Unsubscribe = (() => void) & { ready: Promise<void> };

export interface TendClient extends RouteMethods, AsyncDisposable {
  readonly socketPath: string;
  // The last lines; with follow, then every new line, across restarts of the process. Name null:
  // every process's, merged in the order they were read (processes added later included).
  logs(
    name: string | null,
    options?: Omit<LogsQuery, "follow"> & FollowOptions,
  ): AsyncIterableIterator<LogEntry>;
  // Stored events; with follow, then each one as it happens (resuming after the last one seen).
  events(
    options?: Omit<EventsQuery, "follow"> &
      FollowOptions & { onSnapshot?: (processes: ProcessSnapshot[]) => void },
  ): AsyncIterableIterator<EventRecord>;
  // Every process's CPU and memory: the samples kept (the last hour someone watched); with
  // follow, then each new one (sampled at metrics_interval while someone follows).
  samples(options?: FollowOptions): AsyncIterableIterator<Sample>;
  // Until every named process (a replicated one: every copy) is started, healthy or exited.
  wait(names: string | string[], options?: WaitOptions): Promise<ProcessSnapshot[]>;
  // Calls `handler` for each event of this type or under it ("process.crashed", "process").
  // The function it returns unsubscribes; its `ready` settles once the subscription is live
  // (events from then on reach the handler).
  on(
    type: string,
    handler: (e: EventRecord) => void,
    options?: { process?: string; onError?: (err: TendApiError) => void },
  ): Unsubscribe;
  close(): void;
}

const RETRY_MS = 200;

export function connect(options: ConnectOptions = {}): TendClient {
  const socketPath = options.socket ?? defaultSocketPath(process.env);
  const reconnectDefault = msOf(options.reconnect ?? 30_000, "reconnect");
  const open = new Set<AbortController>();
  let trusted = false;

  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Answer> {
    if (!trusted) {
      // Before the first request: the socket must be the supervisor's, not one another user put
      // in its place (the same check the supervisor makes of its own directory).
      const problem = socketProblem(socketPath);
      if (problem) throw new TendApiError("UNTRUSTED_SOCKET", `refusing the socket: ${problem}`);
      trusted = true;
    }
    try {
      return await transport(socketPath, {
        method,
        path,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw unreachable(socketPath, err);
    }
  }

  async function json(answer: Answer): Promise<unknown> {
    const text = await readAll(answer.body);
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      if (answer.status < 400 && answer.contentType.startsWith("text/")) return text;
      throw new TendApiError(
        "INTERNAL",
        `unexpected answer from the supervisor (${answer.status}): ${text.slice(0, 200)}`,
        { status: answer.status },
      );
    }
    if (answer.status >= 400) throw refusal(answer.status, data);
    return data;
  }

  async function call(name: RouteName, args: unknown[]): Promise<unknown> {
    const route = ROUTES[name];
    const takesName = route.path.includes(":name");
    const [first, second] = args;
    if (takesName && (typeof first !== "string" || first === ""))
      throw new TendApiError("BAD_NAME", `${name}() needs a process name`);
    const input = (takesName ? second : first) as Record<string, unknown> | undefined;
    const path = pathOf(route.path, takesName ? (first as string) : "", route.query ? input : undefined);
    const answer = await send(route.method, path, route.body ? (input ?? {}) : undefined);
    if (route.text && answer.status < 400) return readAll(answer.body);
    return json(answer);
  }

  // One server-sent event stream, reconnecting for `reconnect` ms after the supervisor went away.
  async function* follow(
    name: "logs" | "allLogs" | "events" | "samples",
    processName: string,
    query: () => Record<string, unknown>,
    o: FollowOptions,
  ): AsyncGenerator<{ event: string; data: unknown }> {
    const reconnect = o.reconnect === undefined ? reconnectDefault : msOf(o.reconnect, "reconnect");
    const ac = new AbortController();
    open.add(ac);
    const stop = () => ac.abort();
    o.signal?.addEventListener("abort", stop);
    if (o.signal?.aborted) stop();
    let lostAt: number | null = null;
    try {
      while (!ac.signal.aborted) {
        let answer: Answer;
        try {
          answer = await send(
            "GET",
            pathOf(ROUTES[name].path, processName, { ...query(), follow: true }),
            undefined,
            ac.signal,
          );
        } catch (err) {
          if (ac.signal.aborted) return;
          if (!(err instanceof TendApiError) || err.code !== "UNREACHABLE") throw err;
          lostAt ??= Date.now();
          if (Date.now() - lostAt >= reconnect) throw err;
          await pause(RETRY_MS, ac.signal);
          continue;
        }
        if (answer.status >= 400) await json(answer);
        lostAt = null;
        let ended: string | null = null;
        try {
          for await (const e of serverSentEvents(answer.body)) {
            if (e.event === "end")
              ended = (e.data as { reason?: string }).reason ?? "the supervisor ended the stream";
            else yield e;
          }
        } catch (err) {
          if (ac.signal.aborted) return;
          if (reconnect === 0)
            throw new TendApiError(
              "UNREACHABLE",
              `lost the connection to the supervisor at ${socketPath}: ${why(err)}`,
            );
        }
        if (ended !== null) o.onEnd?.(ended);
        if (reconnect === 0) {
          if (ended === null)
            throw new TendApiError("UNREACHABLE", `lost the connection to the supervisor at ${socketPath}`);
          return;
        }
        lostAt = Date.now();
        await pause(RETRY_MS, ac.signal);
      }
    } finally {
      o.signal?.removeEventListener("abort", stop);
      ac.abort();
      open.delete(ac);
    }
  }

  const methods = Object.fromEntries(
    (Object.keys(ROUTES) as RouteName[])
      .filter((n) => !ROUTES[n].stream)
      .map((n) => [n, (...args: unknown[]) => call(n, args)]),
  ) as unknown as RouteMethods;

  const client: TendClient = {
    ...methods,
    socketPath,

    async *logs(name, o = {}) {
      const { follow: following, reconnect, signal, onEnd, ...q } = o;
      const route = name === null ? "allLogs" : "logs";
      if (!following) {
        const lines = await call(route, name === null ? [q] : [name, q]);
        for (const l of lines as LogEntry[]) yield l;
        return;
      }
      // After a reconnect, the lines read since the last one given (the supervisor keeps them in
      // memory with their time), less those of that same millisecond already given.
      let lastAt: number | null = null;
      let atLast = 0; // lines given that were read at lastAt
      let skip = 0;
      const query = () => {
        if (lastAt === null) return q;
        skip = atLast;
        return { ...q, lines: 100_000, since: lastAt };
      };
      for await (const e of follow(route, name ?? "", query, { reconnect, signal, onEnd })) {
        if (e.event !== "line") continue;
        const line = e.data as LogEntry;
        if (skip > 0 && line.at === lastAt) {
          skip--;
          continue;
        }
        skip = 0;
        if (line.at === lastAt) atLast++;
        else {
          lastAt = line.at;
          atLast = 1;
        }
        yield line;
      }
    },

    async *events(o = {}) {
      const { follow: following, reconnect, signal, onEnd, onSnapshot, ...q } = o;
      if (!following) {
        for (const e of (await call("events", [q])) as EventRecord[]) yield e;
        return;
      }
      // After a reconnect, the events since the last one seen, so none is lost or given twice;
      // "seen" starts at the latest event now, matching or not.
      let last: number | undefined = q.after;
      if (last === undefined) {
        const [latest] = (await call("events", [{ events: 1 }])) as EventRecord[];
        last = latest?.id ?? 0;
      }
      for await (const e of follow("events", "", () => ({ ...q, after: last }), {
        reconnect,
        signal,
        onEnd,
      })) {
        if (e.event === "snapshot") onSnapshot?.(e.data as ProcessSnapshot[]);
        else if (e.event === "event") {
          const rec = e.data as EventRecord;
          last = rec.id;
          yield rec;
        }
      }
    },

    async *samples(o = {}) {
      const { follow: following, reconnect, signal, onEnd } = o;
      if (!following) {
        for (const x of (await call("samples", [{}])) as Sample[]) yield x;
        return;
      }
      // After a reconnect the history comes again: only samples newer than the last one are given.
      let last = 0;
      for await (const e of follow("samples", "", () => ({}), { reconnect, signal, onEnd })) {
        const batch =
          e.event === "history" ? (e.data as Sample[]) : e.event === "sample" ? [e.data as Sample] : [];
        for (const x of batch)
          if (x.at > last) {
            last = x.at;
            yield x;
          }
      }
    },

    wait: (names, o = {}) =>
      waitFor(
        client,
        (signal) => follow("events", "", () => ({}), { reconnect: 0, signal }),
        typeof names === "string" ? [names] : names,
        o,
      ),

    on(type, handler, o = {}) {
      const ac = new AbortController();
      let live: () => void = () => {};
      let failed: (err: TendApiError) => void = () => {};
      const ready = new Promise<void>((resolve, reject) => {
        live = resolve;
        failed = reject;
      });
      // Nobody need wait for `ready`: its rejection is reported through onError (or below) instead.
      ready.catch(() => {});
      void (async () => {
        try {
          const stream = client.events({
            follow: true,
            type,
            process: o.process,
            signal: ac.signal,
            onSnapshot: () => live(),
          });
          for await (const e of stream) handler(e);
          live(); // ended before the snapshot (unsubscribed, closed): nothing to wait for
        } catch (err) {
          if (ac.signal.aborted) {
            live();
            return;
          }
          const e = err instanceof TendApiError ? err : new TendApiError("INTERNAL", why(err));
          failed(e);
          if (o.onError) o.onError(e);
          // Without onError the failure must not vanish: it is reported as an unhandled rejection.
          else throw e;
        }
      })();
      return Object.assign(() => ac.abort(), { ready });
    },

    close() {
      for (const ac of open) ac.abort();
    },

    async [Symbol.asyncDispose]() {
      client.close();
    },
  };
  return client;
}
