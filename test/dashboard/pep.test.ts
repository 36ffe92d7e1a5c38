import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DashboardServer } from "../../src/dashboard/serve.js";
import { ACCOUNTS, type TestBed } from "../harness/agent.js";
import { channelSelector, textOf } from "./browser.js";
import { startDashboardBed, type DashboardBed } from "./bed.js";

declare const document: any;

/** An agent without a pubsub service publishes to its own PEP; the page finds it by the JID given. */
describe("dashboard with an agent on PEP", () => {
  let bed: TestBed;
  let server: DashboardServer;
  let browser: Browser;
  let dashboard: DashboardBed | undefined;

  beforeAll(async () => {
    dashboard = await startDashboardBed({
      pubsub: { service: undefined, access: "acl", maxItems: 20 },
      devices: [{ id: "greenhouse", driver: "simulated", intervalMs: 500, channels: {
        temperature: { unit: "Cel", waveform: "sine", min: 15, max: 30, periodMs: 20_000, precision: 2 },
      } }],
    });
    ({ bed, server, browser } = dashboard);
  });

  afterAll(async () => { await dashboard?.stop(); });

  it("a reader who names the agent's JID sees its PEP nodes, history and live values", async () => {
    const page = await browser.newPage();
    await page.goto(server.url(), { waitUntil: "load" });
    await page.locator("::-p-aria(JID)").fill("bob@localhost");
    await page.locator("::-p-aria(WebSocket URL)").fill(bed.prosody.websocketUrl!);
    await page.locator("::-p-aria(Password)").fill(ACCOUNTS.bob);
    await page.click("details summary");
    await page.locator("::-p-aria(Agent JIDs publishing to their own PEP (optional))").fill("agent@localhost");
    await page.locator("::-p-aria(Log in)").click();
    const temperature = channelSelector("greenhouse", "temperature");
    await page.waitForSelector(`${temperature} .value:not(:empty)`, { timeout: 30_000 });
    await page.waitForFunction((s: string) => Number(document.querySelector(s)?.dataset["points"] ?? 0) > 1, { timeout: 20_000 }, temperature);
    const first = await textOf(page, `${temperature} .value`);
    await page.waitForFunction((s: string, v: string) => document.querySelector(`${s} .value`)?.textContent !== v, { timeout: 20_000 }, temperature, first);
    expect(await textOf(page, `.card[data-device="greenhouse"] .agent`)).toBe("agent@localhost");
    expect(await textOf(page, "#status")).toMatch(/^1 node followed, 1 channel$/);
  });
});
