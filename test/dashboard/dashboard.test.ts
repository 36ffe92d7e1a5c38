import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DashboardServer } from "../../src/dashboard/serve.js";
import { ACCOUNTS, type TestBed } from "../harness/agent.js";
import { channelSelector, logIn, textOf, type Input } from "./browser.js";
import { startDashboardBed, type DashboardBed } from "./bed.js";

// Callbacks passed to page.evaluate/$eval/waitForFunction run in the page, where these exist; the
// project's node typings have no DOM, so they are declared loosely in this module only.
declare const document: any;
declare const localStorage: any;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The dashboard in a real browser (Debian's chromium through puppeteer-core) against a private
 * Prosody with mod_websocket (RFC 7395) and a real agent: log in through the form, live values,
 * charts from history plus live items, controls through ad-hoc `set`, the ACL deciding what shows.
 */
describe("dashboard in chromium", () => {
  let bed: TestBed;
  let server: DashboardServer;
  let browser: Browser;
  let dashboard: DashboardBed | undefined;

  beforeAll(async () => {
    dashboard = await startDashboardBed({
      pubsub: { nodePrefix: "sensors/", access: "acl", maxItems: 50 },
      devices: [
        { id: "greenhouse", driver: "simulated", intervalMs: 500, channels: {
          temperature: { unit: "Cel", waveform: "sine", min: 15, max: 30, periodMs: 20_000, precision: 2 },
          humidity: { unit: "%RH", waveform: "randomWalk", min: 40, max: 90, precision: 1, validMax: 100 },
          lamp: { type: "boolean", writable: true, value: false },
        } },
        { id: "tank", driver: "simulated", intervalMs: 1000, channels: {
          setpoint: { unit: "Cel", type: "number", writable: true, value: 22, validMin: 5, validMax: 35 },
        } },
      ],
    });
    ({ bed, server, browser } = dashboard);
  });

  afterAll(async () => { await dashboard?.stop(); });

  it("logs in through the form and shows live values, charts, presence and working controls", async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 860 });
    const { guessedUrl } = await logIn(page, server.url(), { jid: "alice@localhost", password: ACCOUNTS.alice, websocketUrl: bed.prosody.websocketUrl! });
    expect(guessedUrl).toBe("wss://localhost/xmpp-websocket");

    const temperature = channelSelector("greenhouse", "temperature");
    await page.waitForSelector(`${temperature} .value:not(:empty)`, { timeout: 20_000 });
    const first = await textOf(page, `${temperature} .value`);
    await page.waitForFunction((s, v) => document.querySelector(`${s} .value`)?.textContent !== v, { timeout: 20_000 }, temperature, first);
    expect(await textOf(page, `${temperature} .unit`)).toBe("°C");
    await page.waitForFunction((s) => Number(document.querySelector(s)?.dataset["points"] ?? 0) > 1 && document.querySelector(`${s} canvas`) !== null, { timeout: 20_000 }, temperature);

    const stored = await page.evaluate(() => localStorage.getItem("xmpp-iot.dashboard") ?? "");
    expect(stored).toContain(bed.prosody.websocketUrl!);
    expect(stored).not.toContain(ACCOUNTS.alice);

    // The agent's presence: health text on the card.
    await page.waitForFunction(() => /devices ok/.test(document.querySelector('.card[data-device="greenhouse"] .presence')?.textContent ?? ""), { timeout: 20_000 });

    // A writable boolean: the switch runs ad-hoc `set`; the value shown comes back through pubsub.
    const lamp = channelSelector("greenhouse", "lamp");
    await page.waitForSelector(`${lamp} input[role=switch]`, { timeout: 20_000 });
    expect(await textOf(page, `${lamp} .value`)).toBe("off");
    await page.click(`${lamp} input[role=switch]`);
    await page.waitForFunction((s) => document.querySelector(`${s} .value`)?.textContent === "on", { timeout: 20_000 }, lamp);
    expect(await page.$eval(`${lamp} input[role=switch]`, (i: Input) => i.checked)).toBe(true);

    // A writable number: the input carries validMin/validMax from the form (XEP-0122 range).
    const setpoint = channelSelector("tank", "setpoint");
    await page.waitForSelector(`${setpoint} input[type=number]`, { timeout: 20_000 });
    expect(await page.$eval(`${setpoint} input[type=number]`, (i: Input) => [i.min, i.max])).toEqual(["5", "35"]);
    await page.locator(`${setpoint} input[type=number]`).fill("30");
    await page.click(`${setpoint} button`);
    await page.waitForFunction((s) => document.querySelector(`${s} .value`)?.textContent === "30", { timeout: 20_000 }, setpoint);
    // A page whose limits are out of date: the agent refuses, and the page shows why.
    await page.$eval(`${setpoint} input[type=number]`, (i: Input) => i.removeAttribute("max"));
    await page.locator(`${setpoint} input[type=number]`).fill("99");
    await page.click(`${setpoint} button`);
    await page.waitForSelector(`${setpoint} .control-message.refused`, { timeout: 20_000 });
    const refusal = await textOf(page, `${setpoint} .control-message`);
    expect(refusal).toMatch(/outside the valid range \(5°C to 35°C\)/);
    expect(await textOf(page, `${setpoint} .value`)).toBe("30");
    process.stdout.write(`refusal shown: ${refusal}\n`);

    await page.$eval(`${setpoint} input[type=number]`, (i: Input) => { i.value = ""; });
    // DASHBOARD_SCREENSHOT=docs/dashboard.png refreshes the picture in the docs; a plain run leaves
    // the checkout as it was.
    const png = Buffer.from(await page.screenshot());
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    const shot = process.env["DASHBOARD_SCREENSHOT"];
    if (shot) {
      mkdirSync(dirname(resolve(REPO, shot)), { recursive: true });
      writeFileSync(resolve(REPO, shot), png);
    }
  });

  it("shows a reader the readings without controls, a wrong password its refusal, and a JID outside the ACL no readings", async () => {
    const context = await browser.createBrowserContext();
    try {
      const reader = await context.newPage();
      await logIn(reader, server.url(), { jid: "bob@localhost", password: ACCOUNTS.bob, websocketUrl: bed.prosody.websocketUrl! });
      await reader.waitForSelector(`${channelSelector("greenhouse", "temperature")} .value:not(:empty)`, { timeout: 20_000 });
      await reader.waitForFunction(() => /devices ok/.test(document.querySelector('.card[data-device="greenhouse"] .presence')?.textContent ?? ""), { timeout: 20_000 });
      expect(await reader.$$(".control input, .control button")).toHaveLength(0);

      const wrong = await context.newPage();
      await logIn(wrong, server.url(), { jid: "bob@localhost", password: "not-his-password", websocketUrl: bed.prosody.websocketUrl! });
      await wrong.waitForFunction(() => document.getElementById("login-error")?.textContent !== "", { timeout: 20_000 });
      expect(await textOf(wrong, "#login-error")).toBe("login failed: not-authorized");
      expect(await wrong.evaluate(() => localStorage.getItem("xmpp-iot.dashboard") ?? "")).not.toContain("not-his-password");

      const stranger = await context.newPage();
      await logIn(stranger, server.url(), { jid: "mallory@localhost", password: ACCOUNTS.mallory, websocketUrl: bed.prosody.websocketUrl! });
      await stranger.waitForFunction(() => /nodes? refused/.test(document.getElementById("status")?.textContent ?? ""), { timeout: 20_000 });
      const status = await textOf(stranger, "#status");
      process.stdout.write(`stranger's status line: ${status}\n`);
      expect(status).toMatch(/^0 nodes followed, 0 channels; [1-9]\d* nodes refused/);
      expect(await stranger.$$(".card")).toHaveLength(0);
      expect(await stranger.$$(".value")).toHaveLength(0);
    } finally {
      await context.close();
    }
  });
});
