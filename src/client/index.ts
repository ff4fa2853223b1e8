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
  ApiError,
  EventRecord,
  EventsQuery,
  Health,
  Issue,
  LogEntry,
  LogsQuery,
  ProcessSnapshot,
  ProcessState,
  RouteMethods,
  RouteName,
  Sample,
} from "../api/surface.gen.ts";
import { ROUTES } from "../api/surface.gen.ts";
import { defaultSocketPath } from "../config/paths.ts";
import { formatDuration, parseDurationMs } from "../config/units.ts";
import { socketProblem } from "../proc/trust.ts";
import { type Answer, readAll, serverSentEvents, transport } from "./transport.ts";

export type * from "../api/surface.gen.ts";
// How each key of a process table is written on a command line (`tend add` reads it).
export { PROCESS_KEYS } from "../api/surface.gen.ts";

// Every refusal and failure: the API's own code (PROCESS_NOT_FOUND, BAD_REQUEST, …), or
// UNREACHABLE when there is no supervisor to ask, UNTRUSTED_SOCKET when the socket is not the
// supervisor's, TIMEOUT when wait() gave up.
export type ErrorCode = ApiError["error"]["code"];

export class TendApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: Issue[] | undefined;
  readonly file: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    o: { status?: number; issues?: Issue[]; file?: string } = {},
  ) {
    super(message);
    this.name = "TendApiError";
    this.code = code;
    this.status = o.status ?? 0;
    this.issues = o.issues;
    this.file = o.file;
  }
}

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

export type WaitCondition = "started" | "healthy" | "exited";
export interface WaitOptions {
  for?: WaitCondition; // default "healthy"
  timeout?: number | string; // ms or "30s"; default 30 s; 0: look once
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

function pathOf(template: string, name: string, query?: Record<string, unknown>): string {
  let path = template.replace(":name", encodeURIComponent(name));
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  if (qs) path += `?${qs}`;
  return path;
}

function refusal(status: number, data: unknown): TendApiError {
  const e = (data as { error?: { code?: string; message?: string; issues?: Issue[]; file?: string } } | null)
    ?.error;
  return new TendApiError(
    (e?.code as ErrorCode | undefined) ?? "INTERNAL",
    e?.message ?? `request failed with status ${status}`,
    {
      status,
      issues: e?.issues,
      file: e?.file,
    },
  );
}

function unreachable(socketPath: string, err: unknown): TendApiError {
  return new TendApiError("UNREACHABLE", `cannot reach the supervisor at ${socketPath}: ${why(err)}`);
}

// What went wrong reaching the socket, in the operator's words (not the HTTP client's).
function why(err: unknown): string {
  const code = (err as { code?: string } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no socket there";
    case "ECONNREFUSED":
      return "nothing listens on that socket (a supervisor that stopped may have left it)";
    case "EACCES":
    case "EPERM":
      return "permission denied (run as the supervisor's user, or as a member of its socket_group)";
    case "ECONNRESET":
      return "the supervisor closed the connection";
    default:
      return code ?? (err instanceof Error ? err.message.split(".")[0] : String(err)) ?? "unknown error";
  }
}

function msOf(v: number | string, what: string): number {
  const ms = typeof v === "number" ? v : v === "0" ? 0 : parseDurationMs(v);
  if (ms === null || !(ms >= 0))
    throw new TendApiError("BAD_REQUEST", `${what}: expected ms or a duration like "30s"`);
  return ms;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

// wait(): follows the event stream (snapshot first, then every change), so it answers the moment
// the last condition holds, with no polling.
interface Seen {
  state: ProcessState;
  health: Health;
}
const up = (s: ProcessState) => s === "running" || s === "paused";

export function conditionMet(c: WaitCondition, p: Seen): boolean {
  if (c === "started") return up(p.state);
  if (c === "healthy") return up(p.state) && p.health === "healthy";
  return p.state === "exited" || p.state === "failed";
}

// States nothing but an operator moves a process out of: waiting longer cannot help. A stopped
// process never exits by itself, and a stopped, finished or failed one never starts by itself.
function hopeless(c: WaitCondition, p: Seen): boolean {
  if (c === "exited") return p.state === "stopped";
  return p.state === "stopped" || p.state === "exited" || p.state === "failed";
}

const CONDITIONS: readonly WaitCondition[] = ["started", "healthy", "exited"];

type RawEvents = (signal: AbortSignal) => AsyncIterable<{ event: string; data: unknown }>;

async function waitFor(
  client: TendClient,
  stream: RawEvents,
  wanted: string[],
  o: WaitOptions,
): Promise<ProcessSnapshot[]> {
  const cond = o.for ?? "healthy";
  if (!CONDITIONS.includes(cond))
    throw new TendApiError("BAD_REQUEST", `for: ${cond}: use started, healthy or exited`);
  const timeoutMs = msOf(o.timeout ?? 30_000, "timeout");
  if (wanted.length === 0) throw new TendApiError("BAD_REQUEST", "wait() needs at least one process name");
  let names = [...new Set(wanted)];
  const seen = new Map<string, Seen>();
  const ac = new AbortController();
  // With a timeout of 0 the snapshot alone answers; the timer only bounds a supervisor that never sends it.
  const timer = setTimeout(() => ac.abort(), timeoutMs === 0 ? 10_000 : timeoutMs);
  const verdict = (): "met" | string | null => {
    const all = names.map((n) => [n, seen.get(n)] as const);
    if (all.every(([, p]) => p && conditionMet(cond, p))) return "met";
    const lost = all.find(([, p]) => p && !conditionMet(cond, p) && hopeless(cond, p));
    if (lost) return `${lost[0]} is ${lost[1]?.state} and cannot become ${cond} by itself`;
    return null;
  };
  let outcome = "the supervisor stopped";
  try {
    for await (const { event, data } of stream(ac.signal)) {
      if (event === "snapshot") {
        const list = data as ProcessSnapshot[];
        // A replicated process named as a whole is waited for copy by copy (each must get there).
        const copiesOf = (n: string) => list.filter((p) => p.replicaOf === n).map((p) => p.name);
        const missing = names.filter((n) => !list.some((p) => p.name === n) && copiesOf(n).length === 0);
        if (missing.length)
          throw new TendApiError(
            "PROCESS_NOT_FOUND",
            `no process named ${missing.map((n) => `"${n}"`).join(", ")}`,
          );
        names = [...new Set(names.flatMap((n) => (list.some((p) => p.name === n) ? [n] : copiesOf(n))))];
        for (const p of list)
          if (names.includes(p.name)) seen.set(p.name, { state: p.state, health: p.health });
      } else if (event === "event") {
        const e = data as EventRecord;
        const p = e.process === null ? undefined : seen.get(e.process);
        if (!p) continue;
        if (e.state) p.state = e.state;
        if (e.type === "health.changed") p.health = (e.details?.health as Health | undefined) ?? p.health;
      }
      const v = verdict();
      if (v !== null) {
        outcome = v;
        break;
      }
      // A timeout of 0: one look at the snapshot, no waiting.
      if (timeoutMs === 0) {
        outcome = "checked once (timeout 0)";
        break;
      }
    }
    if (ac.signal.aborted) outcome = `timed out after ${formatDuration(timeoutMs)}`;
  } catch (err) {
    if (!ac.signal.aborted) throw err;
    outcome = `timed out after ${formatDuration(timeoutMs)}`;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  // One fresh look: states, health and the last probe result as they are now.
  const list = await client.list();
  if (outcome === "met") return list.filter((p) => names.includes(p.name));
  const unmet = list.filter((p) => names.includes(p.name) && !conditionMet(cond, p));
  throw new TendApiError(
    outcome.startsWith("timed out") || outcome.startsWith("checked once") ? "TIMEOUT" : "INVALID_STATE",
    `${outcome}; not ${cond}:\n${unmet.map((p) => `  ${describe(p)}\n`).join("")}`,
  );
}

function describe(p: ProcessSnapshot): string {
  const parts = [`${p.name}: ${p.state}${p.reason ? ` (${p.reason})` : ""}`, `health ${p.health}`];
  if (p.waitingFor?.length) parts.push(`waiting for ${p.waitingFor.join(", ")}`);
  if (p.lastProbe) parts.push(`last probe ${p.lastProbe.kind}: ${p.lastProbe.message}`);
  return parts.join(", ");
}
