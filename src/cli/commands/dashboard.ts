import { bool } from "../args.ts";
import { CLIENT_FLAGS, clientFor, printJson } from "../context.ts";
import type { Command } from "./types.ts";

// `tend dashboard`: a one-time address that logs a browser into the dashboard (valid for a
// minute, used once), asked of the supervisor over its socket: whoever may use the socket may
// use the dashboard. --open hands it to the desktop's browser.
export const dashboard: Command = {
  name: "dashboard",
  usage: "tend dashboard [--open] [--json]",
  summary: "print a one-time login address of the web dashboard (--open: open it in a browser)",
  noArguments: true,
  flags: { ...CLIENT_FLAGS, open: { takes: "bool" }, json: { takes: "bool" } },
  async run(args, io) {
    const login = await (await clientFor(args, io)).dashboardLogin();
    if (bool(args, "json")) printJson(io, login);
    else io.out(`${login.login}\n`);
    if (bool(args, "open")) {
      const opener = Bun.which("xdg-open") ?? Bun.which("open");
      if (!opener) {
        io.err("tend dashboard: no xdg-open here to open a browser with; open the address above yourself\n");
        return 1;
      }
      Bun.spawn([opener, login.login], { stdio: ["ignore", "ignore", "ignore"] }).unref();
    }
    return 0;
  },
};
