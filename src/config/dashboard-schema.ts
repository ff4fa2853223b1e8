import { z } from "zod";
import { isLoopback, parseListenAddress } from "./listen-address.ts";

// [supervisor] keys of the web dashboard, and what they require of each other.
export const listenAddress = (example: string) =>
  z
    .string()
    .refine((a) => parseListenAddress(a) !== null, { message: `expected HOST:PORT like "${example}"` });

export const dashboardKeys = {
  dashboard_listen: listenAddress("127.0.0.1:9465").optional().meta({
    description:
      "Serve the web dashboard on HOST:PORT (off by default; loopback unless a token and TLS are set)",
  }),
  dashboard_token: z
    .string()
    .min(16, "a dashboard token needs at least 16 characters")
    .optional()
    .meta({ description: "The token every dashboard request needs (default: one made at each start)" }),
  dashboard_token_file: z.string().optional().meta({ description: "A file holding the dashboard token" }),
  dashboard_tls_cert: z.string().optional().meta({ description: "TLS certificate (PEM) of the dashboard" }),
  dashboard_tls_key: z.string().optional().meta({ description: "TLS private key (PEM) of the dashboard" }),
  dashboard_hosts: z.array(z.string().min(1)).optional().meta({
    description: "Host headers the dashboard answers (default: its address, localhost and 127.0.0.1)",
  }),
  dashboard_read_only: z
    .boolean()
    .default(false)
    .meta({ description: "Show, never act: the dashboard hides and refuses every action" }),
};

type DashboardKeys = z.output<z.ZodObject<typeof dashboardKeys>>;

// A dashboard anyone on the network can reach must prove who asks and hide what is said.
export function dashboardIssues(s: DashboardKeys, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (s.dashboard_token !== undefined && s.dashboard_token_file !== undefined)
    issue("dashboard_token_file", "give dashboard_token or dashboard_token_file, not both");
  if ((s.dashboard_tls_cert === undefined) !== (s.dashboard_tls_key === undefined))
    issue(
      s.dashboard_tls_cert ? "dashboard_tls_key" : "dashboard_tls_cert",
      "TLS needs both dashboard_tls_cert and dashboard_tls_key",
    );
  const at = s.dashboard_listen === undefined ? null : parseListenAddress(s.dashboard_listen);
  if (!at || isLoopback(at.hostname)) return;
  const where = `dashboard_listen ${s.dashboard_listen} is not a loopback address`;
  if (s.dashboard_token === undefined && s.dashboard_token_file === undefined)
    issue(
      "dashboard_token",
      `${where}: it needs dashboard_token (or dashboard_token_file); or listen on 127.0.0.1 and use an ssh tunnel`,
    );
  if (s.dashboard_tls_cert === undefined)
    issue(
      "dashboard_tls_cert",
      `${where}: it needs dashboard_tls_cert and dashboard_tls_key; or listen on 127.0.0.1 and use an ssh tunnel`,
    );
}
