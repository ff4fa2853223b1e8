import { ROUTES, type RouteName } from "./surface.gen.ts";

// The declared routes (surface.gen.ts) as a lookup: method, then the path's segments, where
// ":name" stands for one segment. Paths match exactly: no trailing slash, no empty segment.
interface Entry {
  name: RouteName;
  parts: string[];
}

const BY_METHOD = new Map<string, Entry[]>();
for (const name of Object.keys(ROUTES) as RouteName[]) {
  const { method, path } = ROUTES[name];
  const list = BY_METHOD.get(method) ?? [];
  list.push({ name, parts: path.split("/").slice(1) });
  BY_METHOD.set(method, list);
}

export interface Match {
  name: RouteName;
  params: Record<string, string>;
}

// The route `method` and `pathname` (percent-encoded, as sent) ask for; null if none does. A
// parameter that does not decode (a lone "%") matches nothing.
export function matchRoute(method: string, pathname: string): Match | null {
  const routes = BY_METHOD.get(method);
  if (!routes) return null;
  const parts = pathname.split("/").slice(1);
  for (const route of routes) {
    if (route.parts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const want = route.parts[i] as string;
      const got = parts[i] as string;
      if (want.startsWith(":")) ok = got !== "" && decodeInto(params, want.slice(1), got);
      else ok = want === got;
    }
    if (ok) return { name: route.name, params };
  }
  return null;
}

function decodeInto(params: Record<string, string>, key: string, raw: string): boolean {
  try {
    params[key] = decodeURIComponent(raw);
    return true;
  } catch {
    return false; // a malformed escape: no route has such a segment, so it is a 404
  }
}

// The path of a request's URL without parsing the whole URL: what follows "scheme://host", up
// to the query.
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  const hash = url.indexOf("#", start);
  const stop = end === -1 ? hash : hash === -1 ? end : Math.min(end, hash);
  return stop === -1 ? url.slice(start) : url.slice(start, stop);
}
