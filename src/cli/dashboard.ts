import { isIP } from "node:net";
import { createDashboardServer, findDashboardRoot } from "../dashboard/serve.js";
import { IotError } from "../errors/catalog.js";
import { createLogger } from "../logging/log.js";
import { allowFlags, flagString, type ParsedArgs } from "./args.js";

export const DASHBOARD_DEFAULT_PORT = 8380;

/**
 * `xmpp-iot dashboard`: serves the static page on this computer (loopback unless --listen says
 * otherwise). The page logs in to the user's XMPP server itself; nothing here touches XMPP.
 */
export async function dashboardCommand(args: ParsedArgs): Promise<number> {
  allowFlags(args, ["port", "listen", "log-level"]);
  const portText = flagString(args, "port") ?? String(DASHBOARD_DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new IotError("BAD_INPUT", `--port takes a TCP port number 0-65535 (0: any free port), not "${portText}"`);
  const host = flagString(args, "listen") ?? "127.0.0.1";
  if (isIP(host) === 0 && host !== "localhost") throw new IotError("BAD_INPUT", `--listen takes an IP address such as 127.0.0.1, ::1 or 0.0.0.0, not "${host}"`);
  const log = createLogger({ level: flagString(args, "log-level") ?? "warn", name: "dashboard" });
  const server = createDashboardServer({ log }, { root: findDashboardRoot(), host, port });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await server.start(controller.signal);
  process.stdout.write(`dashboard: ${server.url()}  (Ctrl-C to stop)\n`);
  if (host !== "127.0.0.1" && host !== "::1" && host !== "localhost") {
    process.stdout.write("note: reachable from other machines over plain http; put it behind https (docs/dashboard.md) so the login page cannot be altered on the way\n");
  }
  await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
  await server.stop();
  return 0;
}
