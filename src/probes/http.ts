import type { ProbeCheck } from "./types.ts";

export interface HttpCheckOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  expectStatus: [number, number][];
}

// Passes when the answer's status is in one of the expected ranges (default 200-399).
// Redirects are not followed: a 3xx is itself the answer, as in Kubernetes.
export function httpCheck(o: HttpCheckOptions): ProbeCheck {
  return {
    async run(signal) {
      try {
        const res = await fetch(o.url, { method: o.method, headers: o.headers, redirect: "manual", signal });
        // The body is not needed; cancelling it frees the connection.
        await res.body?.cancel().catch(() => {});
        const ok = o.expectStatus.some(([lo, hi]) => res.status >= lo && res.status <= hi);
        return { ok, message: `HTTP ${res.status}` };
      } catch (err) {
        if (signal.aborted) return { ok: false, message: "timed out" };
        if ((err as { code?: string }).code === "ECONNREFUSED")
          return { ok: false, message: "connection refused" };
        return { ok: false, message: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
