import type { Browser } from "puppeteer-core";
import { createDashboardServer, findDashboardRoot, type DashboardServer } from "../../src/dashboard/serve.js";
import { createLogger } from "../../src/logging/log.js";
import { startTestBed, type RunAgentOptions, type TestBed } from "../harness/agent.js";
import { launchChromium } from "./browser.js";

/** An agent on a private Prosody with a WebSocket listener, the dashboard served, and Chromium to open it. */
export interface DashboardBed {
  readonly bed: TestBed;
  readonly server: DashboardServer;
  readonly browser: Browser;
  stop(): Promise<void>;
}

/** Starts the three in order; if one fails, what already runs is stopped before rethrowing. */
export async function startDashboardBed(config: Record<string, unknown>, runOptions: RunAgentOptions = {}): Promise<DashboardBed> {
  const bed = await startTestBed(config, { websocket: true }, runOptions);
  let server: DashboardServer | undefined;
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close();
    await server?.stop();
    await bed.stop();
  };
  try {
    server = createDashboardServer({ log: createLogger({ level: "warn", name: "dashboard-test" }) }, { root: findDashboardRoot(), host: "127.0.0.1", port: 0 });
    await server.start(new AbortController().signal);
    browser = await launchChromium();
    return { bed, server, browser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
