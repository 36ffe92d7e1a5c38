import type { Logger } from "pino";
import { messageOf } from "../errors/catalog.js";
import { createDashboardServer, findDashboardRoot } from "./serve.js";

/**
 * The demo's dashboard: the built page on a loopback port chosen now, with a link that pre-fills
 * the JID and the private Prosody's WebSocket URL (the password is typed, never put in a URL).
 */
export async function startDemoDashboard(log: Logger, websocketUrl: string, jid: string, signal: AbortSignal): Promise<{ line: string; stop(): Promise<void> }> {
  let root: string;
  try {
    root = findDashboardRoot();
  } catch (error) {
    return { line: `  dashboard:    not available (${messageOf(error)})`, stop: async () => undefined };
  }
  const server = createDashboardServer({ log }, { root, host: "127.0.0.1", port: 0 });
  await server.start(signal);
  const link = `${server.url()}#${new URLSearchParams({ jid, ws: websocketUrl }).toString()}`;
  return {
    line: `  dashboard:    ${link}\n                (browser; log in as ${jid} with the password above; WebSocket ${websocketUrl})`,
    stop: () => server.stop(),
  };
}
