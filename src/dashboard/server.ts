import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseListenAddress } from "../config/listen-address.ts";
import type { DashboardSettings } from "../config/load.ts";
import type { DashboardLogin } from "../domain/shapes.ts";
import { errorMessage, TendError } from "../errors.ts";
import { PAGE_CSS, PAGE_JS } from "./page.gen.ts";

// The web dashboard's listener (`[supervisor] dashboard_listen`). It serves one page and, behind
// the same token, the control API's own routes (the app the unix socket serves), nothing else:
//
// - The Host header must be one of dashboard_hosts (default: the listen address, localhost and
//   127.0.0.1 with its port), so a DNS name rebound to 127.0.0.1 reaches nothing.
// - Every request needs the token: the cookie a one-time login address sets (`tend dashboard`
//   prints one), or `Authorization: Bearer TOKEN`.
// - A request that acts (any method but GET and HEAD) made with the cookie must come from the
//   page itself: an Origin of this listener and the session's CSRF token in X-Tend-CSRF.
// - dashboard_read_only refuses every action, and the page shows none.
export interface Dashboard {
  url: string;
  login(): DashboardLogin;
  stop(): void;
}

const CODE_TTL_MS = 60_000;
const COOKIE = "tend_session";
const CSRF_HEADER = "x-tend-csrf";
const SESSIONS_MAX = 1000;
// A session lasts a day; then the browser needs a new login address.
const SESSION_MS = 24 * 3_600_000;

export function startDashboard(
  settings: DashboardSettings,
  api: (req: Request) => Promise<Response> | Response,
): Dashboard {
  const at = parseListenAddress(settings.listen);
  if (!at) throw new TendError("CONFIG_INVALID", `dashboard_listen "${settings.listen}": expected HOST:PORT`);
  const tls = settings.tlsCert && settings.tlsKey ? readTls(settings.tlsCert, settings.tlsKey) : null;
  const token = settings.token ?? randomBytes(24).toString("base64url");
  const codes = new Map<string, number>(); // one-time login code → expiry (epoch ms)
  const sessions = new Map<string, { csrf: string; until: number }>(); // session id → its CSRF token
  let origin = "";
  const scheme = tls ? "https" : "http";
  let hosts = new Set<string>();

  const fetch = async (req: Request): Promise<Response> => {
    const host = req.headers.get("host") ?? "";
    if (!hosts.has(host.toLowerCase()))
      return text(
        421,
        `this dashboard does not answer for host ${JSON.stringify(host)}: see dashboard_hosts\n`,
      );
    const url = new URL(req.url);
    const path = url.pathname.replace(/(.)\/+$/, "$1");
    if (path === "/login" && req.method === "GET") return login(url.searchParams.get("code"));
    const who = identify(req);
    if (!who)
      return path === "/"
        ? html(401, "<h1>tend</h1><p>Log in with the address <code>tend dashboard</code> prints.</p>")
        : json(401, "UNAUTHORIZED", "the dashboard needs its token: run tend dashboard for a login address");
    if (path === "/" && req.method === "GET") return page(who.csrf);
    if (path === "/app.js") return asset(PAGE_JS, "text/javascript; charset=utf-8");
    if (path === "/app.css") return asset(PAGE_CSS, "text/css; charset=utf-8");
    const isApi = path.startsWith("/v1/") || path === "/metrics";
    if (!isApi || path.toLowerCase() === "/v1/dashboard/login") return json(404, "NOT_FOUND", "no such page");
    if (req.method !== "GET" && req.method !== "HEAD") {
      if (settings.readOnly)
        return json(403, "FORBIDDEN", "the dashboard is read-only (dashboard_read_only)");
      if (who.csrf !== null) {
        // The page's own origin: this listener, under the Host it was reached by (one allowed).
        if (req.headers.get("origin") !== `${scheme}://${host}`)
          return json(403, "FORBIDDEN", "an action must come from the dashboard's own page (Origin)");
        const sent = req.headers.get(CSRF_HEADER) ?? "";
        if (!same(sent, who.csrf)) return json(403, "FORBIDDEN", "an action needs the page's CSRF token");
      }
    }
    return api(req);
  };

  // Who asks: a session (from the cookie, with its CSRF token) or a holder of the token (header).
  const identify = (req: Request): { csrf: string | null } | null => {
    const auth = req.headers.get("authorization");
    if (auth?.startsWith("Bearer ") && same(auth.slice(7), token)) return { csrf: null };
    const id = cookieOf(req.headers.get("cookie"), COOKIE);
    const session = id === null ? undefined : sessions.get(id);
    if (!session) return null;
    if (session.until < Date.now()) {
      sessions.delete(id as string);
      return null;
    }
    return { csrf: session.csrf };
  };

  const login = (code: string | null): Response => {
    const expires = code === null ? undefined : codes.get(code);
    if (code !== null) codes.delete(code);
    if (expires === undefined || expires < Date.now())
      return html(
        401,
        "<h1>tend</h1><p>This login address was used or has expired: run <code>tend dashboard</code> for a new one.</p>",
      );
    if (sessions.size >= SESSIONS_MAX) sessions.delete(sessions.keys().next().value as string);
    const id = randomBytes(24).toString("base64url");
    sessions.set(id, { csrf: randomBytes(24).toString("base64url"), until: Date.now() + SESSION_MS });
    const secure = tls ? "; Secure" : "";
    return new Response(null, {
      status: 303,
      headers: {
        location: "/",
        "set-cookie": `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}${secure}`,
        ...HEADERS,
      },
    });
  };

  const page = (csrf: string | null): Response =>
    html(
      200,
      `<title>tend</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css">` +
        `<meta name="tend-csrf" content="${csrf ?? ""}"><meta name="tend-read-only" content="${settings.readOnly}">` +
        `<script type="module" src="/app.js"></script><main id="app"></main>`,
    );

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: at.hostname,
      port: at.port,
      fetch,
      ...(tls ? { tls } : {}),
      maxRequestBodySize: 64 * 1024,
      // Server-sent event streams stay open; their keep-alives (sse.ts) keep them from idling out.
      idleTimeout: 60,
    });
  } catch (err) {
    throw new TendError("CONFIG_INVALID", `dashboard_listen ${settings.listen}: ${errorMessage(err)}`);
  }
  const port = server.port ?? at.port;
  const shown = at.hostname.includes(":")
    ? `[${at.hostname}]`
    : at.hostname === "0.0.0.0"
      ? "127.0.0.1"
      : at.hostname;
  origin = `${tls ? "https" : "http"}://${shown}:${port}`;
  hosts = new Set(
    (settings.hosts ?? [`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]).map((h) =>
      h.toLowerCase(),
    ),
  );
  return {
    url: origin,
    login() {
      const code = randomBytes(24).toString("base64url");
      const now = Date.now();
      for (const [c, expires] of codes) if (expires < now) codes.delete(c);
      codes.set(code, now + CODE_TTL_MS);
      return { url: origin, login: `${origin}/login?code=${code}` };
    },
    stop() {
      server.stop(true);
    },
  };
}

const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function html(status: number, body: string): Response {
  return new Response(`<!doctype html><html lang="en"><meta charset="utf-8">${body}</html>`, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...HEADERS },
  });
}

function asset(body: string, type: string): Response {
  return new Response(body, { headers: { "content-type": type, ...HEADERS } });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", ...HEADERS } });
}

function json(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: HEADERS });
}

function cookieOf(header: string | null, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

// Compares secrets in time that does not depend on where they differ.
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readTls(certFile: string, keyFile: string): { cert: string; key: string } {
  try {
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
  } catch (err) {
    throw new TendError("CONFIG_INVALID", `dashboard TLS: ${errorMessage(err)}`);
  }
}
