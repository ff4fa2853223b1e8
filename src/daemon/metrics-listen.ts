import { parseListenAddress } from "../config/listen-address.ts";
import { errorMessage, TendError } from "../errors.ts";

// metrics_listen: a plain HTTP server on TCP that answers only what `fetch` answers (/metrics).
export function listenMetrics(address: string, fetch: (req: Request) => Response) {
  const a = parseListenAddress(address);
  if (!a) throw new TendError("CONFIG_INVALID", `metrics_listen "${address}": expected HOST:PORT`);
  try {
    return Bun.serve({ hostname: a.hostname, port: a.port, fetch, maxRequestBodySize: 1024 });
  } catch (err) {
    throw new TendError("CONFIG_INVALID", `metrics_listen ${address}: ${errorMessage(err)}`);
  }
}
